import type { Redis } from 'ioredis';
import { compareEntryIds } from './streams';

/** Where a stream stands, from XINFO STREAM. */
export interface StreamPosition {
  /** The id `$` stands for. */
  lastGeneratedId: string;
  /** Whether entries after `lastId` were deleted before a reader at `lastId` saw them. */
  deletedAfter(lastId: string): boolean;
  /** The id to continue from after a gap was reported. */
  resumeAfterGap(lastId: string): string;
}

const START = '0-0';

/**
 * The stream's position, or undefined when the stream does not exist.
 *
 * Trimming removes the oldest entries and never the newest, so a first entry newer than the
 * reader's last id means the entries right after it are gone (MAXLEN keeps thousands, so in
 * practice unread ones). XDEL is covered by `max-deleted-entry-id`, and a reader that starts
 * from the beginning by `entries-added` exceeding the length (Redis 7 fields; older servers
 * lack them and only the first-entry rule applies).
 */
export async function streamPosition(
  redis: Redis,
  key: string,
): Promise<StreamPosition | undefined> {
  let reply: unknown[];
  try {
    reply = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return undefined;
    throw error;
  }
  const info = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) info.set(String(reply[i]), reply[i + 1]);
  const lastGeneratedId = String(info.get('last-generated-id'));
  const maxDeleted = info.get('max-deleted-entry-id') as string | undefined;
  const added = info.get('entries-added') as number | undefined;
  const length = Number(info.get('length'));
  const first = (info.get('first-entry') as [string, unknown] | null | undefined)?.[0];
  const newer = (id: string | undefined, lastId: string) =>
    id !== undefined && compareEntryIds(id, lastId) > 0;
  return {
    lastGeneratedId,
    deletedAfter(lastId) {
      if (lastId === START) return added !== undefined && Number(added) > length;
      if (first === undefined) return newer(lastGeneratedId, lastId);
      return newer(first, lastId) || newer(maxDeleted, lastId);
    },
    resumeAfterGap: (lastId) => (newer(maxDeleted, lastId) ? (maxDeleted as string) : lastId),
  };
}
