/**
 * Logical stream names. A name is what envelopes, DLQ records and logs carry; the Redis key is
 * the deployment's `Keyspace` prefix followed by the name. Every command this lib sends touches
 * one key, so the names need no hash tags to stay Redis-Cluster-safe.
 */
export const Streams = {
  AdminClientEvents: 'stream:admin.client.events',
  ClientRegistryChanges: 'stream:client-registry.changes',
  ClientRegistryCredentials: 'stream:client-registry.credentials',
  AuthIssuedTokens: 'stream:auth.issued-tokens',
  /** Requests to one service's RPC handlers (a consumer group per service). */
  rpc: (service: string): string => `stream:rpc:${service}`,
  /** Replies to one process instance. */
  rpcReply: (instanceId: string): string => `stream:rpc:reply:${instanceId}`,
  /** Dead letters of a stream. */
  dlq: (stream: string): string => `${stream}.dlq`,
} as const;

/** Default `MAXLEN ~` of every XADD (DESIGN: retention is bounded on every write). */
export const DEFAULT_MAX_LEN = 100_000;

/** Orders two stream entry ids (`<ms>-<seq>`): negative, zero or positive like a comparator. */
export function compareEntryIds(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  return aMs === bMs ? aSeq - bSeq : aMs - bMs;
}

function splitId(id: string): [number, number] {
  const dash = id.indexOf('-');
  if (dash < 0) return [Number(id), 0];
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
