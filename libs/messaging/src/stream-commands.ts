import type { Redis } from 'ioredis';

/** An entry as Redis returns it; `fields` is null when the entry was deleted while pending. */
export type RawEntry = [id: string, fields: string[] | null];

/**
 * The entries of a one-stream XREAD/XREADGROUP reply. RESP2 answers `[[key, entries]]`; RESP3
 * (ioredis 6's default) answers a map, which ioredis flattens to `[key, entries]`.
 */
function entriesOf(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const streams = reply as unknown[];
  const entries = Array.isArray(streams[0]) ? (streams[0] as unknown[])[1] : streams[1];
  return (entries ?? []) as RawEntry[];
}

/** XREADGROUP on one stream (`id` '>' for new entries, an id for the consumer's own history). */
export async function readGroup(
  redis: Redis,
  key: string,
  group: string,
  consumer: string,
  count: number,
  id: string,
  blockMs?: number,
): Promise<RawEntry[]> {
  const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
  const args = ['GROUP', group, consumer, 'COUNT', count, ...block, 'STREAMS', key, id];
  return entriesOf(await redis.call('XREADGROUP', ...args));
}

/** XREAD on one stream after `id`, blocking up to `blockMs`. */
export async function readAfter(
  redis: Redis,
  key: string,
  id: string,
  count: number,
  blockMs: number,
): Promise<RawEntry[]> {
  const args = ['COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, id];
  return entriesOf(await redis.call('XREAD', ...args));
}

/** One XAUTOCLAIM page: entries idle ≥ `minIdleMs` now owned by `consumer`, and the next cursor. */
export async function autoClaim(
  redis: Redis,
  key: string,
  group: string,
  consumer: string,
  minIdleMs: number,
  cursor: string,
  count: number,
): Promise<{ next: string; entries: RawEntry[] }> {
  const args = [key, group, consumer, minIdleMs, cursor, 'COUNT', count];
  const [next, entries] = (await redis.call('XAUTOCLAIM', ...args)) as [string, RawEntry[]];
  return { next, entries };
}

/** Delivery counts of `consumer`'s pending entries between two ids (inclusive). */
export async function deliveryCounts(
  redis: Redis,
  key: string,
  group: string,
  consumer: string,
  range: { first: string; last: string; count: number },
): Promise<Map<string, number>> {
  const args = [key, group, range.first, range.last, range.count, consumer];
  const rows = (await redis.call('XPENDING', ...args)) as [string, string, number, number][];
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row[0], Number(row[3]));
  return counts;
}

/** Creates a group (and the stream) unless it exists. */
export async function ensureGroup(
  redis: Redis,
  key: string,
  group: string,
  startId: string,
): Promise<void> {
  try {
    await redis.call('XGROUP', 'CREATE', key, group, startId, 'MKSTREAM');
  } catch (error) {
    if (!errorMessage(error).startsWith('BUSYGROUP')) throw error;
  }
}

/**
 * Deletes a consumer from its group only if it owns no pending entry, atomically: deleting a
 * consumer drops its pending entries from the group, which would lose them. One key, so
 * Cluster-safe. Resolves true when the consumer was deleted.
 */
export async function deleteIdleConsumer(
  redis: Redis,
  key: string,
  group: string,
  consumer: string,
): Promise<boolean> {
  const deleted = await redis.eval(DELETE_IF_IDLE, 1, key, group, consumer);
  return deleted === 1;
}

const DELETE_IF_IDLE = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Consumers of a group with their pending counts and idle times (ms). */
export async function groupConsumers(
  redis: Redis,
  key: string,
  group: string,
): Promise<{ name: string; pending: number; idle: number }[]> {
  const rows = (await redis.call('XINFO', 'CONSUMERS', key, group)) as unknown[][];
  return rows.map((row) => {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < row.length; i += 2) info.set(String(row[i]), row[i + 1]);
    return {
      name: String(info.get('name')),
      pending: Number(info.get('pending')),
      idle: Number(info.get('idle')),
    };
  });
}

/** True for the error Redis answers when the stream or the group is gone. */
export function isNoGroupError(error: unknown): boolean {
  return errorMessage(error).startsWith('NOGROUP');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
