import type { ClientStatus } from './client-record';

/** Event types the Admin Service publishes on `stream:admin.client.events`. */
export const ADMIN_CLIENT_EVENT_TYPES = [
  'client.created',
  'client.updated',
  'client.api_key_rotated',
  'client.suspended',
  'client.revoked',
] as const;
export type AdminClientEventType = (typeof ADMIN_CLIENT_EVENT_TYPES)[number];

/** The payload of an admin client event (hashes only, never a plaintext secret). */
export interface ClientEventPayload {
  client_id: string;
  version: number;
  client_code?: string;
  client_secret_hash?: string;
  api_key_hash?: string;
  bap_id?: string;
  bap_uri?: string;
  allowed_ips?: string[];
  rate_limit?: number;
  scopes?: string[];
  grant_types?: string[];
  status?: ClientStatus;
  metadata?: Record<string, unknown>;
}

/** One admin event as `clients.applyEvents` receives it (already validated by the consumer). */
export interface AdminClientEvent {
  /** The envelope's event id (UUIDv7): the idempotency key. */
  id: string;
  type: AdminClientEventType;
  occurredAt: string;
  payload: ClientEventPayload;
}

/** What `clients.applyEvents` answers. */
export interface ApplyEventsResult {
  /** Events that changed a client. */
  applied: number;
  /** Events whose id had been applied before. */
  duplicates: number;
  /** Events older than the client's version that changed nothing. */
  stale: number;
}
