import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { fieldsToRecord } from './envelope';

/** A consumer group whose backlog the metrics report at scrape time. */
export interface WatchedGroup {
  redis: Redis;
  key: string;
  dlqKey: string;
  stream: string;
  group: string;
}

interface GroupSnapshot {
  lag?: number;
  pending: number;
  oldestIdleSeconds: number;
  dlqLength: number;
}

type Outcome = 'ok' | 'failed' | 'rejected' | 'expired';

/** Gauges read from Redis at scrape time: name, help, and the snapshot value they show. */
const GROUP_GAUGES: [string, string, (s: GroupSnapshot) => number | undefined][] = [
  ['messaging_group_lag', 'Entries not yet delivered to the group', (s) => s.lag],
  ['messaging_group_pending', 'Entries delivered but not acked', (s) => s.pending],
  [
    'messaging_oldest_pending_idle_seconds',
    'Idle time of the oldest pending entry',
    (s) => s.oldestIdleSeconds,
  ],
  ['messaging_dlq_length', 'Entries in the dead-letter stream', (s) => s.dlqLength],
];

const SNAPSHOT_TTL_MS = 1_000;
const SNAPSHOT_TIMEOUT_MS = 1_000;
const registries = new WeakMap<Registry, MessagingMetrics>();

/**
 * Prometheus metrics of the stream transport, one set per registry: handler latency by
 * stream/type/outcome, dead-lettered entries, NOGROUP recoveries and read errors, plus lag,
 * pending count, oldest pending idle time and DLQ length per group, read from Redis on scrape.
 */
export class MessagingMetrics {
  readonly handlerDuration: Histogram<'stream' | 'type' | 'outcome'>;
  readonly deadLettered: Counter<'stream' | 'group' | 'reason'>;
  readonly noGroupRecoveries: Counter<'stream' | 'group'>;
  readonly consumerErrors: Counter<'stream' | 'group'>;
  private readonly durationChildren = new Map<string, { observe(value: number): void }>();
  private readonly watched = new Map<string, WatchedGroup>();
  private readonly snapshots = new Map<string, GroupSnapshot>();
  private refreshing: Promise<void> | undefined;
  private watches = 0;
  private refreshedAt = 0;

  /** The metrics of `registry`, created on first use (several servers may share a registry). */
  static for(registry: Registry): MessagingMetrics {
    let metrics = registries.get(registry);
    if (!metrics) {
      metrics = new MessagingMetrics(registry);
      registries.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.handlerDuration = new Histogram({
      name: 'messaging_handler_duration_seconds',
      help: 'Stream handler duration by stream, event type and outcome',
      labelNames: ['stream', 'type', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'messaging_dead_lettered_total',
      help: 'Entries moved to a dead-letter stream, by reason',
      labelNames: ['stream', 'group', 'reason'],
      registers,
    });
    this.noGroupRecoveries = new Counter({
      name: 'messaging_nogroup_recoveries_total',
      help: 'Consumer groups recreated after NOGROUP (stream deleted or Redis restarted)',
      labelNames: ['stream', 'group'],
      registers,
    });
    this.consumerErrors = new Counter({
      name: 'messaging_consumer_errors_total',
      help: 'Failed reads, acks, sweeps or group creations of a consumer (each followed by a backoff)',
      labelNames: ['stream', 'group'],
      registers,
    });
    for (const [name, help, pick] of GROUP_GAUGES) this.groupGauge(registers, name, help, pick);
  }

  /** Reports a group's backlog at each scrape until the returned function is called. */
  watch(group: WatchedGroup): () => void {
    // Unique per call: two consumers of one group in a process must not unwatch each other.
    const id = `${group.stream}\u0000${group.group}\u0000${++this.watches}`;
    this.watched.set(id, group);
    return () => {
      this.watched.delete(id);
      this.snapshots.delete(id);
    };
  }

  /** Records one handler run. */
  observe(stream: string, type: string, outcome: Outcome, seconds: number): void {
    // prom-client hashes the label set on every labels() call; a child per set is reused.
    const id = `${stream}\u0000${type}\u0000${outcome}`;
    let child = this.durationChildren.get(id);
    if (!child) {
      child = this.handlerDuration.labels(stream, type, outcome);
      this.durationChildren.set(id, child);
    }
    child.observe(seconds);
  }

  private groupGauge(
    registers: Registry[],
    name: string,
    help: string,
    pick: (s: GroupSnapshot) => number | undefined,
  ): void {
    const gauge: Gauge<'stream' | 'group'> = new Gauge({
      name,
      help,
      labelNames: ['stream', 'group'],
      registers,
      collect: async () => {
        await this.refresh();
        gauge.reset();
        for (const [id, snapshot] of this.snapshots) {
          const value = pick(snapshot);
          const group = this.watched.get(id);
          if (value !== undefined && group)
            gauge.set({ stream: group.stream, group: group.group }, value);
        }
      },
    });
  }

  private refresh(): Promise<void> {
    if (Date.now() - this.refreshedAt < SNAPSHOT_TTL_MS) return Promise.resolve();
    this.refreshing ??= Promise.all(
      [...this.watched].map(([id, group]) => this.snapshot(id, group)),
    ).then(() => {
      this.refreshedAt = Date.now();
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async snapshot(id: string, group: WatchedGroup): Promise<void> {
    try {
      const read = readSnapshot(group);
      const timeout = new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error('timeout')), SNAPSHOT_TIMEOUT_MS).unref();
      });
      this.snapshots.set(id, await Promise.race([read, timeout]));
    } catch {
      // Redis is unreachable or the stream is gone: the scrape shows no value for this group.
      this.snapshots.delete(id);
    }
  }
}

async function readSnapshot({ redis, key, dlqKey, group }: WatchedGroup): Promise<GroupSnapshot> {
  const [groups, oldest, dlqLength] = await Promise.all([
    redis.xinfo('GROUPS', key) as Promise<string[][]>,
    redis.xpending(key, group, '-', '+', 1) as Promise<[string, string, number, number][]>,
    redis.xlen(dlqKey),
  ]);
  const info = groups.map((g) => fieldsToRecord(g)).find((g) => g.name === group);
  const lag = info?.lag;
  return {
    lag: lag === undefined || lag === null ? undefined : Number(lag),
    pending: Number(info?.pending ?? 0),
    oldestIdleSeconds: oldest.length > 0 ? Number(oldest[0][2]) / 1000 : 0,
    dlqLength,
  };
}
