import { DEFAULT_MAX_LEN } from './streams';

/** How one consumer group reads one stream. Durations in milliseconds. */
export interface ConsumerGroupOptions {
  /** Logical stream name (`Streams.*`). */
  stream: string;
  group: string;
  /** Consumer name; defaults to the process instance id. */
  consumer?: string;
  /** Entries per read, handled concurrently (default 100). */
  batchSize?: number;
  /** How long one XREADGROUP blocks (default 2 000). */
  blockMs?: number;
  /** Idle time after which another consumer may reclaim an entry (default 60 000). */
  minIdleMs?: number;
  /** Deliveries after which a failing entry is dead-lettered (default 5). */
  maxDeliveries?: number;
  /** A handler still running after this counts as failed (default 30 000; below minIdleMs). */
  handlerTimeoutMs?: number;
  /** Period of the XAUTOCLAIM sweep (default 10 000). */
  claimIntervalMs?: number;
  /**
   * Where a group created by this consumer starts: '0' (default) also delivers what the
   * stream already holds, so nothing published before the group existed, or between a stream
   * deletion and the group's re-creation, is skipped; '$' only delivers newer entries.
   */
  startId?: '0' | '$';
  /** `MAXLEN ~` of the dead-letter stream (default 100 000). */
  dlqMaxLen?: number;
  /**
   * Batches handled at once (default 1): with more, the next batch is read while the previous
   * ones are still being handled, so handlers must tolerate batches settling out of order.
   */
  batchesInFlight?: number;
  /**
   * Delete entries from the stream once acked (default false): for request streams whose
   * payloads must not stay in Redis after they were served (RPC requests carry credentials).
   */
  deleteOnAck?: boolean;
}

export type ResolvedGroupOptions = Required<ConsumerGroupOptions>;

const DEFAULTS = {
  batchSize: 100,
  blockMs: 2_000,
  minIdleMs: 60_000,
  maxDeliveries: 5,
  handlerTimeoutMs: 30_000,
  claimIntervalMs: 10_000,
  startId: '0',
  dlqMaxLen: DEFAULT_MAX_LEN,
  batchesInFlight: 1,
  deleteOnAck: false,
} as const;

/** Fills defaults and refuses settings that would break the delivery promises. */
export function resolveGroupOptions(
  options: ConsumerGroupOptions,
  instanceId: string,
): ResolvedGroupOptions {
  const resolved: ResolvedGroupOptions = {
    ...DEFAULTS,
    consumer: instanceId,
    ...stripUndefined(options),
  };
  // An entry reclaimed while its first handler still runs would be handled twice at once.
  if (resolved.minIdleMs <= resolved.handlerTimeoutMs) {
    throw new Error(
      `${resolved.stream}/${resolved.group}: minIdleMs (${resolved.minIdleMs}) must exceed handlerTimeoutMs (${resolved.handlerTimeoutMs})`,
    );
  }
  if (resolved.maxDeliveries < 1 || resolved.batchSize < 1 || resolved.batchesInFlight < 1) {
    throw new Error(
      `${resolved.stream}/${resolved.group}: maxDeliveries, batchSize and batchesInFlight must be ≥ 1`,
    );
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
