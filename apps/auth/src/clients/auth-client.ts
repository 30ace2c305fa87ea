import {
  compileAllowlist,
  type ClientRecord,
  type ClientStatus,
  type IpMatcher,
} from '@libs/models';

/** The permission that lets a client call the introspection endpoint. */
export const INTROSPECT_SCOPE = 'introspect';

/**
 * A client record compiled once, when it enters the in-process cache, into what the token
 * path needs: sets instead of arrays, a BlockList matcher instead of CIDR text, epoch times.
 */
export interface AuthClient {
  readonly id: string;
  readonly status: ClientStatus;
  readonly version: number;
  readonly secretHashes: readonly string[];
  readonly previousSecretHash: string | null;
  /** Epoch ms after which the previous secret stops working. */
  readonly previousSecretExpiresAt: number;
  readonly grantTypes: ReadonlySet<string>;
  readonly scopes: ReadonlySet<string>;
  /** Scope string of tokens that request none: every scope except `introspect`. */
  readonly defaultScope: string;
  readonly allowlist: IpMatcher;
  readonly rateLimit: number | null;
  readonly accessTokenTtl: number | null;
  /** Epoch seconds: tokens issued before this are inactive (0 when never revoked). */
  readonly revokedBefore: number;
  /** HMACs of imported (argon2id) secrets already verified once, so argon2 runs once per secret. */
  readonly verifiedSecrets: Set<string>;
}

const epochMs = (iso: string | null) => (iso ? Date.parse(iso) : 0);

export function compileClient(record: ClientRecord): AuthClient {
  return {
    id: record.client_id,
    status: record.status,
    version: record.version,
    secretHashes: [record.client_secret_hash, record.api_key_hash].filter(
      (h): h is string => h !== null,
    ),
    previousSecretHash: record.previous_secret_hash,
    previousSecretExpiresAt: epochMs(record.previous_secret_expires_at),
    grantTypes: new Set(record.grant_types),
    scopes: new Set(record.scopes),
    defaultScope: record.scopes.filter((s) => s !== INTROSPECT_SCOPE).join(' '),
    allowlist: compileAllowlist(record.allowed_ips),
    rateLimit: record.rate_limit,
    accessTokenTtl: record.access_token_ttl,
    revokedBefore: Math.ceil(epochMs(record.revoked_before) / 1000),
    verifiedSecrets: new Set(),
  };
}
