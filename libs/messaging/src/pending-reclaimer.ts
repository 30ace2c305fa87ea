import type { EntrySettler, GroupContext } from './entry-settler';
import {
  autoClaim,
  deleteIdleConsumer,
  deliveryCounts,
  groupConsumers,
  readGroup,
  type RawEntry,
} from './stream-commands';

/** Pages one sweep may claim before yielding until the next one (bounds the work per tick). */
const MAX_PAGES_PER_SWEEP = 10;
/** Upper bound on the XPENDING rows read to learn delivery counts of one page. */
const MAX_PENDING_ROWS = 10_000;
/**
 * A consumer name silent this long belongs to a process that is gone (live ones read every
 * blockMs). Without cleanup every crashed pod would leave its name in the group forever.
 */
const DEAD_CONSUMER_IDLE_MS = 60 * 60 * 1000;

/**
 * Re-handles entries whose first handling never finished: the consumer's own pending list at
 * start (left by a previous run under the same name) and, periodically, any entry idle longer
 * than `minIdleMs` in the whole group (a crashed or stuck consumer's), with XAUTOCLAIM.
 */
export class PendingReclaimer {
  constructor(
    private readonly ctx: GroupContext,
    private readonly settler: EntrySettler,
  ) {}

  /** Handles this consumer's own pending entries, oldest first, until none is left. */
  async drainOwn(): Promise<void> {
    const { redis, key, options } = this.ctx;
    let cursor = '0-0';
    for (;;) {
      const entries = await readGroup(
        redis,
        key,
        options.group,
        options.consumer,
        options.batchSize,
        cursor,
      );
      if (entries.length === 0) return;
      await this.settler.settle(entries, await this.deliveries(entries));
      cursor = entries[entries.length - 1][0];
    }
  }

  /** Claims and handles entries idle for at least `minIdleMs`, a bounded number of pages. */
  async sweep(): Promise<number> {
    const { redis, key, options } = this.ctx;
    let cursor = '0-0';
    let claimed = 0;
    for (let page = 0; page < MAX_PAGES_PER_SWEEP; page++) {
      const { next, entries } = await autoClaim(
        redis,
        key,
        options.group,
        options.consumer,
        options.minIdleMs,
        cursor,
        options.batchSize,
      );
      if (entries.length > 0) {
        claimed += entries.length;
        await this.settler.settle(entries, await this.deliveries(entries));
      }
      if (next === '0-0') break;
      cursor = next;
    }
    await this.forgetDeadConsumers();
    return claimed;
  }

  /** Deletes consumer names idle for an hour that own nothing (atomically re-checked). */
  private async forgetDeadConsumers(): Promise<void> {
    const { redis, key, options } = this.ctx;
    for (const consumer of await groupConsumers(redis, key, options.group)) {
      if (consumer.name === options.consumer || consumer.pending > 0) continue;
      if (consumer.idle < DEAD_CONSUMER_IDLE_MS) continue;
      await deleteIdleConsumer(redis, key, options.group, consumer.name);
    }
  }

  /** Delivery counts as Redis keeps them (XCLAIM and history reads have just incremented them). */
  private deliveries(entries: readonly RawEntry[]): Promise<Map<string, number>> {
    const { redis, key, options } = this.ctx;
    return deliveryCounts(redis, key, options.group, options.consumer, {
      first: entries[0][0],
      last: entries[entries.length - 1][0],
      count: MAX_PENDING_ROWS,
    });
  }
}
