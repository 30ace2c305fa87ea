import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import type { CommonEnv } from './common.env';
import { ConfigError } from './config.error';

/** Which variable holds each field of each provider's development fallback credentials. */
const DEV_VARIABLES = {
  bricklink: {
    consumerKey: 'DEV_BRICKLINK_CONSUMER_KEY',
    consumerSecret: 'DEV_BRICKLINK_CONSUMER_SECRET',
    tokenValue: 'DEV_BRICKLINK_TOKEN_VALUE',
    tokenSecret: 'DEV_BRICKLINK_TOKEN_SECRET',
  },
  brickowl: { apiKey: 'DEV_BRICKOWL_KEY' },
  discogs: { token: 'DEV_DISCOGS_TOKEN' },
  gmail: {
    clientId: 'DEV_GMAIL_CLIENT_ID',
    clientSecret: 'DEV_GMAIL_CLIENT_SECRET',
    refreshToken: 'DEV_GMAIL_REFRESH_TOKEN',
  },
  outlook: {
    clientId: 'DEV_OUTLOOK_CLIENT_ID',
    clientSecret: 'DEV_OUTLOOK_CLIENT_SECRET',
    refreshToken: 'DEV_OUTLOOK_REFRESH_TOKEN',
  },
} as const;

type DevVariables = typeof DEV_VARIABLES;
export type DevCredentialsProvider = keyof DevVariables;
/** Development fallback credentials of one provider, field by field. */
export type DevCredentialFields<P extends DevCredentialsProvider> = {
  readonly [F in keyof DevVariables[P]]: string;
};

/** The User-Agent Portico's Discogs calls carry unless DISCOGS_USER_AGENT says otherwise. */
export const DEFAULT_DISCOGS_USER_AGENT = 'PorticoProviderClients/0.1 +https://github.com/portico';

/** Provider client cache and development fallback credentials. */
export class ProviderClientsEnv {
  /** Most provider clients (user × provider) held in memory. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  PROVIDER_CLIENT_CACHE_MAX: number = 100;

  /** Seconds a provider client lives before it is rebuilt from stored credentials. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  PROVIDER_CLIENT_CACHE_TTL: number = 1_800;

  /** Discogs asks every application for its own, unique User-Agent. */
  @IsString()
  @MinLength(8)
  DISCOGS_USER_AGENT: string = DEFAULT_DISCOGS_USER_AGENT;

  @IsOptional() @IsString() DEV_BRICKLINK_CONSUMER_KEY?: string;
  @IsOptional() @IsString() DEV_BRICKLINK_CONSUMER_SECRET?: string;
  @IsOptional() @IsString() DEV_BRICKLINK_TOKEN_VALUE?: string;
  @IsOptional() @IsString() DEV_BRICKLINK_TOKEN_SECRET?: string;
  @IsOptional() @IsString() DEV_BRICKOWL_KEY?: string;
  @IsOptional() @IsString() DEV_DISCOGS_TOKEN?: string;
  @IsOptional() @IsString() DEV_GMAIL_CLIENT_ID?: string;
  @IsOptional() @IsString() DEV_GMAIL_CLIENT_SECRET?: string;
  @IsOptional() @IsString() DEV_GMAIL_REFRESH_TOKEN?: string;
  @IsOptional() @IsString() DEV_OUTLOOK_CLIENT_ID?: string;
  @IsOptional() @IsString() DEV_OUTLOOK_CLIENT_SECRET?: string;
  @IsOptional() @IsString() DEV_OUTLOOK_REFRESH_TOKEN?: string;
}

type DevValues = { [P in DevCredentialsProvider]?: DevCredentialFields<P> };

/**
 * Development fallback credentials. They answer only when built for NODE_ENV=development, so a
 * production process can never use them even if one were constructed by hand.
 */
export class DevCredentials {
  readonly #values: DevValues;

  constructor(
    readonly nodeEnv: CommonEnv['NODE_ENV'],
    values: DevValues,
  ) {
    this.#values = nodeEnv === 'development' ? { ...values } : {};
  }

  /** The fallback credentials of `provider`, if configured (development only). */
  get<P extends DevCredentialsProvider>(provider: P): DevCredentialFields<P> | undefined {
    return this.#values[provider] as DevCredentialFields<P> | undefined;
  }

  /** Providers with fallback credentials. */
  get providers(): DevCredentialsProvider[] {
    return Object.keys(this.#values) as DevCredentialsProvider[];
  }

  toJSON(): object {
    return { providers: this.providers };
  }
}

export class ProviderClientsConfig {
  constructor(
    readonly cacheMax: number,
    readonly cacheTtlMs: number,
    readonly discogsUserAgent: string,
    readonly devCredentials: DevCredentials,
  ) {}
}

type EnvValues = Readonly<Record<string, unknown>>;

/** Collects each provider's DEV_* variables; a provider with some but not all is a mistake. */
function readDevCredentials(env: EnvValues, problems: string[]): DevValues {
  const values: Record<string, Record<string, string>> = {};
  for (const [provider, fields] of Object.entries(DEV_VARIABLES)) {
    const found: Record<string, string> = {};
    const missing: string[] = [];
    for (const [field, name] of Object.entries(fields) as [string, string][]) {
      const value = env[name];
      if (typeof value === 'string' && value !== '') found[field] = value;
      else missing.push(name);
    }
    if (missing.length === Object.keys(fields).length) continue;
    const others = `DEV_${provider.toUpperCase()}_*`;
    problems.push(...missing.map((name) => `${name}: is required when any other ${others} is set`));
    if (missing.length === 0) values[provider] = found;
  }
  return values as DevValues;
}

/** The provider clients section; DEV_* fallbacks stop the boot unless NODE_ENV=development. */
export function providerClientsSection(
  env: ProviderClientsEnv & CommonEnv,
  warnings: string[],
): ProviderClientsConfig {
  const problems: string[] = [];
  const values = readDevCredentials(env as unknown as EnvValues, problems);
  const providers = Object.keys(values);
  if (providers.length > 0 && env.NODE_ENV !== 'development') {
    problems.push(
      ...providers.map(
        (p) =>
          `DEV_${p.toUpperCase()}_*: fallback credentials are allowed only when NODE_ENV=development`,
      ),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems.sort());
  if (providers.length > 0) {
    warnings.push(
      `development fallback credentials configured for ${providers.join(', ')}: ` +
        'used for any user without credentials of their own',
    );
  }
  return new ProviderClientsConfig(
    env.PROVIDER_CLIENT_CACHE_MAX,
    env.PROVIDER_CLIENT_CACHE_TTL * 1000,
    env.DISCOGS_USER_AGENT,
    new DevCredentials(env.NODE_ENV, values),
  );
}
