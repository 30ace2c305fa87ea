export const CLIENT_STATUSES = ['ACTIVE', 'SUSPENDED', 'REVOKED'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/**
 * An API client as the registry serves it to internal callers (RPC, the Redis cache): the
 * column names of `client_registry.clients`, hashes included. Never sent to operators or logs.
 */
export interface ClientRecord {
  client_id: string;
  client_code: string | null;
  client_secret_hash: string | null;
  api_key_hash: string | null;
  bap_id: string | null;
  bap_uri: string | null;
  /** Normalized CIDRs (`10.0.0.0/8`, `2001:db8::1/128`); empty means any address. */
  allowed_ips: string[];
  /** Token requests allowed per rate-limit window; null means the server default. */
  rate_limit: number | null;
  scopes: string[];
  grant_types: string[];
  status: ClientStatus;
  metadata: Record<string, unknown>;
  version: number;
  /** Tokens issued before this instant are inactive (set when the client is revoked). */
  revoked_before: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: string | null;
  /** Access-token lifetime in seconds for this client; null means the server default. */
  access_token_ttl: number | null;
  created_at: string;
  updated_at: string;
  last_synced_at: string | null;
}

const SECRET_FIELDS = ['client_secret_hash', 'api_key_hash', 'previous_secret_hash'] as const;

/** A client as operators see it: every column except the secret hashes. */
export type PublicClient = Omit<ClientRecord, (typeof SECRET_FIELDS)[number]>;

export function toPublicClient(record: ClientRecord): PublicClient {
  const copy: Partial<ClientRecord> = { ...record };
  for (const field of SECRET_FIELDS) delete copy[field];
  return copy as PublicClient;
}

/** What `stream:client-registry.changes` carries for each committed client change. */
export interface ClientChangedEvent {
  client_id: string;
  version: number;
  status: ClientStatus;
  /** What happened: created, updated, secret_rotated, suspended, activated, revoked. */
  change: string;
}
