import { IntersectionType } from '@nestjs/mapped-types';
import { Transform } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { baseSections, databaseSection, redisSection } from './config-sections';
import { ConfigError } from './config.error';
import { IsHttpUrl } from './env.validators';
import { processEnv, validateEnv, type Env } from './validate-env';

const JWT_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;

/** Upper bound of a Discogs response body the WebSocket transport accepts at all. */
export const SYNC_MAX_RESPONSE_BYTES_CAP = 8 * 1024 * 1024;

const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

/** Environment of the sync-orchestrator app, composed from the shared pieces. */
export class SyncOrchestratorEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt()
  @Min(1)
  @Max(65535)
  SYNC_ORCHESTRATOR_PORT: number = 3003;

  /** Issuer of the users' access tokens (Portico's auth by default). */
  @IsHttpUrl()
  ISSUER: string = 'http://127.0.0.1:3000';

  /** Where the issuer publishes its keys; `<ISSUER>/.well-known/jwks.json` when unset. */
  @IsOptional()
  @IsHttpUrl()
  SYNC_JWKS_URL?: string;

  /** Required `aud` of access tokens; unchecked when unset. */
  @IsOptional()
  @IsString()
  SYNC_JWT_AUDIENCE?: string;

  @Transform(toList)
  @IsArray()
  @IsIn(JWT_ALGORITHMS, { each: true })
  SYNC_JWT_ALGORITHMS: string[] = ['ES256', 'EdDSA'];

  /** Discogs allows this many requests per user in a moving window. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  SYNC_RATE_LIMIT: number = 60;

  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SYNC_RATE_WINDOW_MS: number = 60_000;

  /** Retries of one Discogs request (429, 5xx, network errors) before it is failed. */
  @IsInt()
  @Min(0)
  @Max(20)
  SYNC_MAX_RETRIES: number = 5;

  @IsInt()
  @Min(1)
  @Max(600_000)
  SYNC_RETRY_BASE_MS: number = 1_000;

  @IsInt()
  @Min(1)
  @Max(3_600_000)
  SYNC_RETRY_MAX_MS: number = 60_000;

  /** A request unanswered this long counts as failed and is retried. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  SYNC_REQUEST_TIMEOUT_MS: number = 30_000;

  @IsInt()
  @Min(1024)
  @Max(SYNC_MAX_RESPONSE_BYTES_CAP)
  SYNC_MAX_RESPONSE_BYTES: number = 2 * 1024 * 1024;

  /** Rate-limit waits at least this long are announced to the user. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SYNC_PAUSE_NOTICE_MS: number = 2_000;

  /** One pod drives a user's syncs; its claim expires this long after the pod stops renewing. */
  @IsInt()
  @Min(300)
  @Max(300_000)
  SYNC_DRIVER_LEASE_MS: number = 15_000;

  /**
   * Tests and demos only: the web page's client executes requests against this loopback base
   * URL instead of https://api.discogs.com. Refused when NODE_ENV=production.
   */
  @IsOptional()
  @IsHttpUrl()
  SYNC_DEMO_DISCOGS_BASE_URL?: string;
}

/** How access tokens of users are verified. */
export class SyncJwtConfig {
  constructor(
    readonly issuer: string,
    readonly jwksUrl: string,
    readonly audience: string | undefined,
    readonly algorithms: readonly string[],
  ) {}
}

/** Pacing, retries and limits of Discogs syncs. */
export class SyncPacingConfig {
  constructor(
    readonly rateLimit: number,
    readonly windowMs: number,
    readonly maxRetries: number,
    readonly retryBaseMs: number,
    readonly retryMaxMs: number,
    readonly requestTimeoutMs: number,
    readonly maxResponseBytes: number,
    readonly pauseNoticeMs: number,
    readonly driverLeaseMs: number,
  ) {}
}

/** Settings of the `/sync/` web page. */
export class SyncWebConfig {
  constructor(readonly demoDiscogsBaseUrl: string | undefined) {}
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function webSection(e: SyncOrchestratorEnv, warnings: string[]): SyncWebConfig {
  const demo = e.SYNC_DEMO_DISCOGS_BASE_URL;
  if (demo === undefined) return new SyncWebConfig(undefined);
  const problems: string[] = [];
  if (e.NODE_ENV === 'production') {
    problems.push('SYNC_DEMO_DISCOGS_BASE_URL: is refused when NODE_ENV=production');
  }
  if (!LOOPBACK.has(new URL(demo).hostname)) {
    problems.push('SYNC_DEMO_DISCOGS_BASE_URL: must point to a loopback host');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  warnings.push(`the /sync/ page executes Discogs requests against the demo API ${demo}`);
  return new SyncWebConfig(new URL(demo).origin);
}

export function loadSyncOrchestratorConfig(env: Env = processEnv()) {
  const e = validateEnv(SyncOrchestratorEnv, env);
  const warnings: string[] = [];
  return {
    ...baseSections('sync-orchestrator', e, e.SYNC_ORCHESTRATOR_PORT, warnings),
    database: databaseSection(e),
    redis: redisSection(e),
    jwt: new SyncJwtConfig(
      e.ISSUER,
      e.SYNC_JWKS_URL ?? `${e.ISSUER.replace(/\/+$/, '')}/.well-known/jwks.json`,
      e.SYNC_JWT_AUDIENCE,
      e.SYNC_JWT_ALGORITHMS,
    ),
    pacing: new SyncPacingConfig(
      e.SYNC_RATE_LIMIT,
      e.SYNC_RATE_WINDOW_MS,
      e.SYNC_MAX_RETRIES,
      e.SYNC_RETRY_BASE_MS,
      Math.max(e.SYNC_RETRY_MAX_MS, e.SYNC_RETRY_BASE_MS),
      e.SYNC_REQUEST_TIMEOUT_MS,
      e.SYNC_MAX_RESPONSE_BYTES,
      e.SYNC_PAUSE_NOTICE_MS,
      e.SYNC_DRIVER_LEASE_MS,
    ),
    web: webSection(e, warnings),
  };
}

export type SyncOrchestratorConfig = ReturnType<typeof loadSyncOrchestratorConfig>;
