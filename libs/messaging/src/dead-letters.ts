import type { Redis } from 'ioredis';
import type { Keyspace } from '@libs/redis';
import { fieldsToRecord } from './envelope';
import { compareEntryIds, DEFAULT_MAX_LEN, Streams } from './streams';

/** What the dead-letter stream `<stream>.dlq` records about an entry given up on. */
export interface DeadLetter {
  /** Id of the record in the DLQ stream. */
  dlqId: string;
  /** Id the entry had in its source stream. */
  originalId: string;
  stream: string;
  group: string;
  deliveries: number;
  error: string;
  /** The entry's raw fields, as published (replay writes them back unchanged). */
  fields: Record<string, string>;
  failedAt: string;
}

export type NewDeadLetter = Omit<DeadLetter, 'dlqId' | 'failedAt'>;

const PAGE = 100;

/** Appends a dead letter to `<stream>.dlq`; resolves with its DLQ entry id. */
export async function writeDeadLetter(
  redis: Redis,
  keyspace: Keyspace,
  letter: NewDeadLetter,
  maxLen = DEFAULT_MAX_LEN,
): Promise<string> {
  const key = keyspace.key(Streams.dlq(letter.stream));
  const id = await redis.xadd(
    key,
    'MAXLEN',
    '~',
    maxLen,
    '*',
    'originalId',
    letter.originalId,
    'stream',
    letter.stream,
    'group',
    letter.group,
    'deliveries',
    String(letter.deliveries),
    'error',
    letter.error,
    'payload',
    JSON.stringify(letter.fields),
    'failedAt',
    new Date().toISOString(),
  );
  return id as string;
}

/** Dead letters of a stream, oldest first; page with `after` (exclusive DLQ id). */
export async function listDeadLetters(
  redis: Redis,
  keyspace: Keyspace,
  stream: string,
  options: { count?: number; after?: string } = {},
): Promise<DeadLetter[]> {
  const start = options.after ? `(${options.after}` : '-';
  const key = keyspace.key(Streams.dlq(stream));
  const entries = await redis.xrange(key, start, '+', 'COUNT', options.count ?? PAGE);
  return entries.map(([id, fields]) => toDeadLetter(id, fields));
}

/** Length of a stream's dead-letter stream. */
export function countDeadLetters(redis: Redis, keyspace: Keyspace, stream: string) {
  return redis.xlen(keyspace.key(Streams.dlq(stream)));
}

/**
 * Puts dead letters back on their source stream as new entries with the same envelope, then
 * removes them from the DLQ (in that order: a crash between leaves a duplicate, never a loss).
 * Without `ids`, replays what the DLQ holds when the call starts, so entries that fail again
 * while it runs are not replayed in a loop. Resolves with the number replayed.
 */
export async function replayDeadLetters(
  redis: Redis,
  keyspace: Keyspace,
  stream: string,
  options: { ids?: readonly string[]; maxLen?: number } = {},
): Promise<number> {
  const dlqKey = keyspace.key(Streams.dlq(stream));
  const target = { redis, dlqKey, sourceKey: keyspace.key(stream), maxLen: options.maxLen };
  if (options.ids) return replay(target, await byIds(redis, dlqKey, options.ids));
  const [last] = await redis.xrevrange(dlqKey, '+', '-', 'COUNT', 1);
  if (!last) return 0;
  let replayed = 0;
  let after: string | undefined;
  for (;;) {
    const page = (await listDeadLetters(redis, keyspace, stream, { after, count: PAGE })).filter(
      (letter) => compareEntryIds(letter.dlqId, last[0]) <= 0,
    );
    replayed += await replay(target, page);
    if (page.length < PAGE) return replayed;
    after = page[page.length - 1].dlqId;
  }
}

interface ReplayTarget {
  redis: Redis;
  dlqKey: string;
  sourceKey: string;
  maxLen?: number;
}

async function replay(target: ReplayTarget, letters: readonly DeadLetter[]): Promise<number> {
  const { redis, dlqKey, sourceKey, maxLen = DEFAULT_MAX_LEN } = target;
  let replayed = 0;
  for (const letter of letters) {
    const fields = Object.entries(letter.fields).flat();
    // A record without fields cannot be written back; it stays for an operator to inspect.
    if (fields.length === 0) continue;
    await redis.xadd(sourceKey, 'MAXLEN', '~', maxLen, '*', ...fields);
    await redis.xdel(dlqKey, letter.dlqId);
    replayed++;
  }
  return replayed;
}

async function byIds(redis: Redis, dlqKey: string, ids: readonly string[]): Promise<DeadLetter[]> {
  const found = await Promise.all(ids.map((id) => redis.xrange(dlqKey, id, id)));
  return found.flat().map(([id, fields]) => toDeadLetter(id, fields));
}

function toDeadLetter(dlqId: string, raw: string[]): DeadLetter {
  const record = fieldsToRecord(raw);
  return {
    dlqId,
    originalId: record.originalId,
    stream: record.stream,
    group: record.group,
    deliveries: Number(record.deliveries),
    error: record.error,
    fields: parseFields(record.payload),
    failedAt: record.failedAt,
  };
}

function parseFields(json: string | undefined): Record<string, string> {
  try {
    const value: unknown = JSON.parse(json ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}
