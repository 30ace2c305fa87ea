import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { baseSections, databaseSection, redisSection } from './config-sections';
import { ConfigError } from './config.error';
import { processEnv, validateEnv, type Env } from './validate-env';

/** The registry accepts at most this many events per `clients.applyEvents` call. */
const MAX_BATCH = 5_000;

/** How the event consumer reads `stream:admin.client.events` and calls the registry. */
export class AdminEventsEnv {
  /** Entries per XREADGROUP, applied in one registry call (the registry takes up to 5 000). */
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH)
  EVENT_CONSUMER_BATCH_SIZE: number = 1_000;

  /**
   * Batches one consumer has in flight at once: the next batch is read and validated while the
   * registry commits the previous one (safe: the registry is idempotent and version-fenced).
   */
  @IsInt()
  @Min(1)
  @Max(8)
  EVENT_CONSUMER_BATCHES_IN_FLIGHT: number = 4;

  @IsInt()
  @Min(10)
  @Max(60_000)
  EVENT_CONSUMER_BLOCK_MS: number = 2_000;

  /** Idle time after which another consumer reclaims an unacked entry. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  EVENT_CONSUMER_MIN_IDLE_MS: number = 60_000;

  /** Bound on handling one batch, registry retries included (must stay below min idle). */
  @IsInt()
  @Min(50)
  @Max(600_000)
  EVENT_CONSUMER_HANDLER_TIMEOUT_MS: number = 30_000;

  @IsInt()
  @Min(50)
  @Max(600_000)
  EVENT_CONSUMER_CLAIM_INTERVAL_MS: number = 10_000;

  /** Deliveries after which a failing entry is dead-lettered. */
  @IsInt()
  @Min(1)
  @Max(100)
  EVENT_CONSUMER_MAX_DELIVERIES: number = 5;

  /** Bound on one `clients.applyEvents` call (must stay below the handler timeout). */
  @IsInt()
  @Min(20)
  @Max(600_000)
  EVENT_CONSUMER_RPC_TIMEOUT_MS: number = 10_000;

  /** `MAXLEN ~` of the dead-letter stream. */
  @IsInt()
  @Min(100)
  EVENT_CONSUMER_DLQ_MAX_LEN: number = 100_000;

  /**
   * Consumer name in the group; defaults to a name unique to the process. A name stable across
   * restarts (e.g. the pod name) lets a restarted consumer drain its own pending entries at once.
   */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/)
  EVENT_CONSUMER_NAME?: string;
}

/** Environment of the event-consumer app, composed from the shared pieces. */
export class EventConsumerEnv extends IntersectionType(
  CommonEnv,
  DatabaseEnv,
  RedisEnv,
  AdminEventsEnv,
) {
  @IsInt()
  @Min(1)
  @Max(65535)
  EVENT_CONSUMER_PORT: number = 3002;
}

/** The consumer group on the admin stream and its registry calls. Durations in ms. */
export class AdminEventsConfig {
  constructor(
    readonly consumerName: string,
    readonly batchSize: number,
    readonly blockMs: number,
    readonly minIdleMs: number,
    readonly handlerTimeoutMs: number,
    readonly claimIntervalMs: number,
    readonly maxDeliveries: number,
    readonly rpcTimeoutMs: number,
    readonly dlqMaxLen: number,
    readonly batchesInFlight = 1,
  ) {}
}

export function loadEventConsumerConfig(env: Env = processEnv()) {
  const e = validateEnv(EventConsumerEnv, env);
  const base = baseSections('event-consumer', e, e.EVENT_CONSUMER_PORT, []);
  return {
    ...base,
    database: databaseSection(e),
    redis: redisSection(e),
    adminEvents: adminEventsSection(e, base.app.instanceId),
  };
}

export type EventConsumerConfig = ReturnType<typeof loadEventConsumerConfig>;

function adminEventsSection(e: AdminEventsEnv, instanceId: string): AdminEventsConfig {
  // An entry reclaimed while its first handler still runs would be handled twice at once, and
  // a registry call outliving its handler would be cut off by the handler timeout.
  const problems: string[] = [];
  if (e.EVENT_CONSUMER_MIN_IDLE_MS <= e.EVENT_CONSUMER_HANDLER_TIMEOUT_MS)
    problems.push('EVENT_CONSUMER_MIN_IDLE_MS: must exceed EVENT_CONSUMER_HANDLER_TIMEOUT_MS');
  if (e.EVENT_CONSUMER_RPC_TIMEOUT_MS >= e.EVENT_CONSUMER_HANDLER_TIMEOUT_MS)
    problems.push('EVENT_CONSUMER_RPC_TIMEOUT_MS: must be below EVENT_CONSUMER_HANDLER_TIMEOUT_MS');
  if (problems.length > 0) throw new ConfigError(problems);
  return new AdminEventsConfig(
    e.EVENT_CONSUMER_NAME ?? instanceId,
    e.EVENT_CONSUMER_BATCH_SIZE,
    e.EVENT_CONSUMER_BLOCK_MS,
    e.EVENT_CONSUMER_MIN_IDLE_MS,
    e.EVENT_CONSUMER_HANDLER_TIMEOUT_MS,
    e.EVENT_CONSUMER_CLAIM_INTERVAL_MS,
    e.EVENT_CONSUMER_MAX_DELIVERIES,
    e.EVENT_CONSUMER_RPC_TIMEOUT_MS,
    e.EVENT_CONSUMER_DLQ_MAX_LEN,
    e.EVENT_CONSUMER_BATCHES_IN_FLIGHT,
  );
}

/** Environment of the admin command line (`npm run admin`): only Redis and retention. */
export class AdminCliEnv extends RedisEnv {
  /** `MAXLEN ~` of the XADDs the command line makes (publish, replay). */
  @IsInt()
  @Min(100)
  ADMIN_EVENTS_MAX_LEN: number = 100_000;
}

/** Config of the admin command line. */
export class AdminCliConfig {
  constructor(readonly maxLen: number) {}
}

export function loadAdminCliConfig(env: Env = processEnv()) {
  const e = validateEnv(AdminCliEnv, env);
  return { redis: redisSection(e), cli: new AdminCliConfig(e.ADMIN_EVENTS_MAX_LEN) };
}

export type AdminCliSettings = ReturnType<typeof loadAdminCliConfig>;
