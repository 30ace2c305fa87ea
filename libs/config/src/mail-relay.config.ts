import { IntersectionType } from '@nestjs/mapped-types';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { baseSections, databaseSection, redisSection } from './config-sections';
import { ConfigError } from './config.error';
import { IsHttpUrl } from './env.validators';
import {
  MailAccountsConfig,
  MailLimitsConfig,
  MailProviderEndpoint,
  MailUpstreamConfig,
  SmtpIngestConfig,
  type MailProvider,
  type SmtpTlsMode,
} from './mail-relay.sections';
import { processEnv, validateEnv, type Env } from './validate-env';

export * from './mail-relay.sections';

/** Accepted values of `XOAUTH2_<PROVIDER>_SMTP_SECURE` (true/false as nodemailer reads them). */
const TLS_MODES: Readonly<Record<string, SmtpTlsMode>> = {
  true: 'tls',
  tls: 'tls',
  starttls: 'starttls',
  false: 'opportunistic',
  opportunistic: 'opportunistic',
  none: 'none',
};

// Unlike TRUST_PROXY, a typo must not silently read as false: `XOAUTH2_DRY_RUN=ture` would send.
// Reads the raw text: implicit conversion would already have made "false" true.
const strictBoolean = ({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
  const value = obj[key];
  if (typeof value !== 'string') return value;
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};

/** An integer in [min, max]. */
const Int = (min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator => {
  const rules = [IsInt(), Min(min), Max(max)];
  return (target, key) => rules.forEach((rule) => rule(target, key));
};
const Port = (min = 1) => Int(min, 65535);

/** Environment of the mail-relay app, composed from the shared pieces. */
export class MailRelayEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  /** HTTP port: health probes and /metrics. */
  @Port()
  MAIL_RELAY_PORT: number = 3004;

  /** Alias of MAIL_RELAY_PORT kept for operators of the original relay (one HTTP port). */
  @IsOptional()
  @Port()
  XOAUTH2_METRICS_PORT?: number;

  /** SMTP bind address; HOST when unset. */
  @IsOptional() @IsString() XOAUTH2_HOST?: string;

  /** SMTP port local applications connect to (0: any free port, for tests). */
  @Port(0)
  XOAUTH2_PORT: number = 2525;

  @IsString()
  @MinLength(1)
  XOAUTH2_ACCOUNTS_FILE: string = 'accounts.json';

  /** Safety net beside file-system events (which miss some volume mounts). */
  @Int(100, 3_600_000)
  XOAUTH2_ACCOUNTS_POLL_MS: number = 2_000;

  /**
   * How often the registry's gmail/outlook credentials with a relay login are listed again
   * (0: accounts from the file only). Each listing reads every such row, decrypted.
   */
  @Int(0, 86_400_000)
  XOAUTH2_REGISTRY_REFRESH_MS: number = 60_000;

  /** Hourly budget of accounts that set no `max_messages_per_hour` (0: unlimited). */
  @Int(0)
  XOAUTH2_DEFAULT_MAX_MESSAGES_PER_HOUR: number = 0;

  @Int(1, 100_000)
  XOAUTH2_GLOBAL_CONCURRENCY: number = 200;

  @Int(1, 1_000)
  XOAUTH2_ACCOUNT_CONCURRENCY: number = 8;

  /** How long a message may wait for a delivery slot, a token or a retry before a 4xx. */
  @Int(100, 600_000)
  XOAUTH2_DELIVERY_TIMEOUT_MS: number = 60_000;

  @Transform(strictBoolean) @IsBoolean() XOAUTH2_DRY_RUN: boolean = false;

  @Int(1_024)
  XOAUTH2_MAX_MESSAGE_BYTES: number = 25 * 1024 * 1024;

  /** Bytes of message bodies held in memory at once; beyond it new messages get a 4xx. */
  @Int(1_024 * 1_024)
  XOAUTH2_MAX_BUFFERED_BYTES: number = 256 * 1024 * 1024;

  /**
   * How far V8 lets the old generation grow past what survived the last full collection before
   * collecting again (0: V8's own adaptive factor, up to 300 %). The relay's garbage is short-lived
   * message state, so a tight factor keeps RSS near the live set (docs/mail-relay.md, Memory).
   */
  @Int(0, 300)
  XOAUTH2_HEAP_GROWTH_PERCENT: number = 20;

  @Int(1, 100_000)
  XOAUTH2_MAX_CLIENTS: number = 5_000;

  /** PEM files; when both are set STARTTLS is offered to local applications. */
  @IsOptional() @IsString() XOAUTH2_TLS_CERT_FILE?: string;

  @IsOptional() @IsString() XOAUTH2_TLS_KEY_FILE?: string;

  /** Refuse AUTH before STARTTLS (needs the certificate). */
  @Transform(strictBoolean) @IsBoolean() XOAUTH2_REQUIRE_TLS: boolean = false;

  /** Upstream pools kept (one per account, least recently used closed first). */
  @Int(1)
  XOAUTH2_POOL_MAX_ACCOUNTS: number = 2_000;

  @Int(1, 20)
  XOAUTH2_POOL_CONNECTIONS: number = 2;

  /** An account's pool is closed after this long without a message. */
  @Int(1_000)
  XOAUTH2_POOL_IDLE_MS: number = 120_000;

  @Int(100, 120_000)
  XOAUTH2_TOKEN_TIMEOUT_MS: number = 10_000;

  /** Consecutive provider failures that open its circuit breaker. */
  @Int(1)
  XOAUTH2_BREAKER_FAILURES: number = 5;

  @Int(50)
  XOAUTH2_BREAKER_HALF_OPEN_MS: number = 30_000;

  /** Upstream attempts per message, the first included. */
  @Int(1, 10)
  XOAUTH2_RETRY_ATTEMPTS: number = 3;

  @Int(1)
  XOAUTH2_RETRY_BASE_MS: number = 200;

  @Int(1)
  XOAUTH2_RETRY_MAX_MS: number = 5_000;

  @IsString() XOAUTH2_GMAIL_SMTP_HOST: string = 'smtp.gmail.com';
  @Port() XOAUTH2_GMAIL_SMTP_PORT: number = 465;
  @IsIn(Object.keys(TLS_MODES)) XOAUTH2_GMAIL_SMTP_SECURE: string = 'true';
  @IsHttpUrl() XOAUTH2_GMAIL_TOKEN_URL: string = 'https://oauth2.googleapis.com/token';

  @IsString() XOAUTH2_OUTLOOK_SMTP_HOST: string = 'smtp.office365.com';
  @Port() XOAUTH2_OUTLOOK_SMTP_PORT: number = 587;
  @IsIn(Object.keys(TLS_MODES)) XOAUTH2_OUTLOOK_SMTP_SECURE: string = 'starttls';
  @IsHttpUrl() XOAUTH2_OUTLOOK_TOKEN_URL: string =
    'https://login.microsoftonline.com/common/oauth2/v2.0/token';
}

/** Command-line flags of the relay; they win over the environment. */
export interface MailRelayOverrides {
  /** --config: the accounts file. */
  accountsFile?: string;
  host?: string;
  port?: string;
  globalConcurrency?: string;
  dryRun?: boolean;
}

function overridesAsEnv(o: MailRelayOverrides): Env {
  return {
    XOAUTH2_ACCOUNTS_FILE: o.accountsFile,
    XOAUTH2_HOST: o.host,
    XOAUTH2_PORT: o.port,
    XOAUTH2_GLOBAL_CONCURRENCY: o.globalConcurrency,
    XOAUTH2_DRY_RUN: o.dryRun === undefined ? undefined : String(o.dryRun),
  };
}

function httpPort(env: Env, e: MailRelayEnv): number {
  const alias = e.XOAUTH2_METRICS_PORT;
  if (alias === undefined) return e.MAIL_RELAY_PORT;
  if (env.MAIL_RELAY_PORT && alias !== e.MAIL_RELAY_PORT) {
    throw new ConfigError([
      'XOAUTH2_METRICS_PORT: names the HTTP port (health and /metrics) and differs from MAIL_RELAY_PORT; set one of them',
    ]);
  }
  return alias;
}

function endpoint(e: MailRelayEnv, p: MailProvider, warnings: string[]): MailProviderEndpoint {
  const key = p.toUpperCase() as 'GMAIL' | 'OUTLOOK';
  const host = e[`XOAUTH2_${key}_SMTP_HOST`];
  const tls = TLS_MODES[e[`XOAUTH2_${key}_SMTP_SECURE`].toLowerCase()];
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
  if ((tls === 'none' || tls === 'opportunistic') && !loopback) {
    warnings.push(`XOAUTH2_${key}_SMTP_SECURE allows access tokens in clear text to ${host}`);
  }
  const port = e[`XOAUTH2_${key}_SMTP_PORT`];
  return new MailProviderEndpoint(p, host, port, tls, e[`XOAUTH2_${key}_TOKEN_URL`]);
}

function registryRefreshMs(e: MailRelayEnv): number {
  const ms = e.XOAUTH2_REGISTRY_REFRESH_MS;
  // Every listing decrypts every served mailbox in the registry: a tight loop would be a load.
  if (ms > 0 && ms < 1_000) {
    throw new ConfigError(['XOAUTH2_REGISTRY_REFRESH_MS: 0 (off) or at least 1000']);
  }
  return ms;
}

function tlsFiles(e: MailRelayEnv): SmtpIngestConfig['tls'] {
  const { XOAUTH2_TLS_CERT_FILE: certFile, XOAUTH2_TLS_KEY_FILE: keyFile } = e;
  if (!certFile && !keyFile) {
    if (e.XOAUTH2_REQUIRE_TLS)
      throw new ConfigError([
        'XOAUTH2_REQUIRE_TLS: needs XOAUTH2_TLS_CERT_FILE and XOAUTH2_TLS_KEY_FILE',
      ]);
    return undefined;
  }
  if (!certFile || !keyFile) {
    throw new ConfigError(['XOAUTH2_TLS_CERT_FILE, XOAUTH2_TLS_KEY_FILE: set both or neither']);
  }
  return { certFile, keyFile };
}

function smtpSection(e: MailRelayEnv): SmtpIngestConfig {
  return new SmtpIngestConfig(
    e.XOAUTH2_HOST ?? e.HOST,
    e.XOAUTH2_PORT,
    e.XOAUTH2_MAX_MESSAGE_BYTES,
    e.XOAUTH2_MAX_CLIENTS,
    tlsFiles(e),
    e.XOAUTH2_REQUIRE_TLS,
    // The rest of SHUTDOWN_TIMEOUT_MS is left for closing the upstream pools.
    Math.floor(e.SHUTDOWN_TIMEOUT_MS * 0.75),
  );
}

function upstreamSection(e: MailRelayEnv, warnings: string[]): MailUpstreamConfig {
  const providers = {
    gmail: endpoint(e, 'gmail', warnings),
    outlook: endpoint(e, 'outlook', warnings),
  };
  const pool = {
    maxAccounts: e.XOAUTH2_POOL_MAX_ACCOUNTS,
    connections: e.XOAUTH2_POOL_CONNECTIONS,
    idleMs: e.XOAUTH2_POOL_IDLE_MS,
  };
  const breaker = {
    failures: e.XOAUTH2_BREAKER_FAILURES,
    halfOpenMs: e.XOAUTH2_BREAKER_HALF_OPEN_MS,
  };
  const retry = {
    attempts: e.XOAUTH2_RETRY_ATTEMPTS,
    baseMs: e.XOAUTH2_RETRY_BASE_MS,
    maxMs: e.XOAUTH2_RETRY_MAX_MS,
  };
  const tokenTimeoutMs = e.XOAUTH2_TOKEN_TIMEOUT_MS;
  return new MailUpstreamConfig(providers, e.XOAUTH2_DRY_RUN, pool, tokenTimeoutMs, breaker, retry);
}

/** Loads the relay's config; `overrides` are the command-line flags (they win over env). */
export function loadMailRelayConfig(env: Env = processEnv(), overrides: MailRelayOverrides = {}) {
  const merged = { ...env, ...stripUndefined(overridesAsEnv(overrides)) };
  const e = validateEnv(MailRelayEnv, merged);
  const warnings: string[] = [];
  if (e.XOAUTH2_DRY_RUN) warnings.push('dry run: messages are accepted but never delivered');
  return {
    ...baseSections('mail-relay', e, httpPort(merged, e), warnings),
    database: databaseSection(e),
    redis: redisSection(e),
    smtp: smtpSection(e),
    accounts: new MailAccountsConfig(
      e.XOAUTH2_ACCOUNTS_FILE,
      e.XOAUTH2_ACCOUNTS_POLL_MS,
      e.XOAUTH2_DEFAULT_MAX_MESSAGES_PER_HOUR,
      registryRefreshMs(e),
    ),
    limits: new MailLimitsConfig(
      e.XOAUTH2_GLOBAL_CONCURRENCY,
      e.XOAUTH2_ACCOUNT_CONCURRENCY,
      e.XOAUTH2_DELIVERY_TIMEOUT_MS,
      e.XOAUTH2_MAX_BUFFERED_BYTES,
      e.XOAUTH2_HEAP_GROWTH_PERCENT,
    ),
    upstream: upstreamSection(e, warnings),
  };
}

function stripUndefined(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

export type MailRelayConfig = ReturnType<typeof loadMailRelayConfig>;
