import { IntersectionType } from '@nestjs/mapped-types';
import { IsBoolean, IsIn, IsInt, Max, Min } from 'class-validator';
import { AdminEnv, ClientCacheEnv, CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import {
  adminSection,
  baseSections,
  ClientCacheConfig,
  databaseSection,
  redisSection,
} from './config-sections';
import { EnvBoolean, IsHttpUrl } from './env.validators';
import { KekEnv, kekSection } from './kek.env';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Variables of the token service itself. */
export class TokenEnv {
  /** `iss` of every token and the base of the discovery metadata. */
  @IsHttpUrl()
  ISSUER: string = 'http://127.0.0.1:3000';

  @IsIn(['ES256', 'EdDSA'])
  SIGNING_ALG: 'ES256' | 'EdDSA' = 'ES256';

  /** Default access-token lifetime (seconds); a client's access_token_ttl overrides it. */
  @IsInt()
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL: number = 900;

  /** How long a new signing key is published in JWKS before it signs (seconds). */
  @IsInt()
  @Min(0)
  @Max(86_400)
  KEY_PUBLISH_AHEAD: number = 600;

  /** Rotate the signing key after this many seconds of use (0: only by command). */
  @IsInt()
  @Min(0)
  KEY_ROTATE_AFTER: number = 30 * 86_400;

  /** Token requests per client per window when the client has no rate_limit of its own. */
  @IsInt()
  @Min(1)
  RATE_LIMIT_DEFAULT: number = 6_000;

  @IsInt()
  @Min(1)
  @Max(3_600)
  RATE_LIMIT_WINDOW: number = 60;

  /** Failed authentications tolerated per client id, and per source IP, per window. */
  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_CLIENT: number = 10;

  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_IP: number = 50;

  @IsInt()
  @Min(1)
  @Max(86_400)
  AUTH_FAILURE_WINDOW: number = 300;

  /** In-process client cache (L1). */
  @IsInt()
  @Min(1)
  CLIENT_CACHE_MAX: number = 5_000;

  @IsInt()
  @Min(1)
  CLIENT_CACHE_TTL: number = 600;

  /** Load this many recently active clients into L1 at start (0: off; not yet covered by a test, so off by default). */
  @IsInt()
  @Min(0)
  CLIENT_CACHE_WARM: number = 0;

  /** Token records: flush when this many wait, and at least every interval (ms). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  TOKEN_FLUSH_BATCH: number = 1_000;

  @IsInt()
  @Min(100)
  TOKEN_FLUSH_INTERVAL_MS: number = 5_000;

  /** A flusher silent this long (it died mid-batch) has its records taken over by another. */
  @IsInt()
  @Min(100)
  TOKEN_FLUSH_RECLAIM_MS: number = 30_000;

  /** Run the BullMQ flush worker in this process (a dedicated worker deployment may turn it off). */
  @EnvBoolean()
  @IsBoolean()
  TOKEN_FLUSH_WORKER: boolean = true;

  /**
   * Days a token record is kept after its token expired; older records are deleted by an hourly
   * job (0 keeps every record forever).
   */
  @IsInt()
  @Min(0)
  @Max(3650)
  TOKEN_RECORD_RETENTION_DAYS: number = 30;
}

/** Settings of token issuance. */
export class TokenConfig {
  constructor(
    readonly issuer: string,
    readonly alg: 'ES256' | 'EdDSA',
    readonly accessTokenTtl: number,
    readonly keyPublishAhead: number,
    readonly keyRotateAfter: number,
  ) {}
}

/** Limits of the token endpoint. */
export class TokenLimitsConfig {
  constructor(
    readonly defaultRateLimit: number,
    readonly windowSeconds: number,
    readonly failuresPerClient: number,
    readonly failuresPerIp: number,
    readonly failureWindowSeconds: number,
  ) {}
}

export class ClientL1Config {
  constructor(
    readonly max: number,
    readonly ttlMs: number,
    readonly warm: number,
  ) {}
}

export class TokenFlushConfig {
  constructor(
    readonly batch: number,
    readonly intervalMs: number,
    readonly worker: boolean,
    readonly reclaimMs: number,
    /** Days a record outlives its token (0: forever). */
    readonly retentionDays: number,
  ) {}
}

export class AuthEnv extends IntersectionType(
  IntersectionType(CommonEnv, DatabaseEnv, RedisEnv, AdminEnv),
  IntersectionType(ClientCacheEnv, TokenEnv, KekEnv),
) {
  @IsInt()
  @Min(1)
  @Max(65535)
  AUTH_PORT: number = 3000;
}

export function loadAuthConfig(env: Env = processEnv()) {
  const e = validateEnv(AuthEnv, env);
  const warnings: string[] = [];
  return {
    ...baseSections('auth', e, e.AUTH_PORT, warnings),
    database: databaseSection(e),
    redis: redisSection(e),
    admin: adminSection(e, warnings),
    kek: kekSection(e, warnings),
    clientCache: new ClientCacheConfig(e.CLIENT_REGISTRY_CACHE_TTL),
    token: new TokenConfig(
      e.ISSUER.replace(/\/$/, ''),
      e.SIGNING_ALG,
      e.ACCESS_TOKEN_TTL,
      e.KEY_PUBLISH_AHEAD,
      e.KEY_ROTATE_AFTER,
    ),
    limits: new TokenLimitsConfig(
      e.RATE_LIMIT_DEFAULT,
      e.RATE_LIMIT_WINDOW,
      e.AUTH_FAILURES_PER_CLIENT,
      e.AUTH_FAILURES_PER_IP,
      e.AUTH_FAILURE_WINDOW,
    ),
    clientL1: new ClientL1Config(
      e.CLIENT_CACHE_MAX,
      e.CLIENT_CACHE_TTL * 1000,
      e.CLIENT_CACHE_WARM,
    ),
    flush: new TokenFlushConfig(
      e.TOKEN_FLUSH_BATCH,
      e.TOKEN_FLUSH_INTERVAL_MS,
      e.TOKEN_FLUSH_WORKER,
      e.TOKEN_FLUSH_RECLAIM_MS,
      e.TOKEN_RECORD_RETENTION_DAYS,
    ),
  };
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
