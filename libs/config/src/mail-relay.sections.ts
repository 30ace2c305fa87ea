// Sections of the mail relay's configuration (injectable by class through ConfigModule).

/** Mail providers the relay delivers to. */
export const MAIL_PROVIDERS = ['gmail', 'outlook'] as const;
export type MailProvider = (typeof MAIL_PROVIDERS)[number];

/**
 * How the relay talks TLS to a provider: implicit TLS (`tls`), a required STARTTLS upgrade
 * (`starttls`), STARTTLS when offered (`opportunistic`) or never (`none`, local tests only).
 */
export type SmtpTlsMode = 'tls' | 'starttls' | 'opportunistic' | 'none';

/** The SMTP side facing local applications. */
export class SmtpIngestConfig {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly maxMessageBytes: number,
    readonly maxClients: number,
    readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined,
    readonly requireTls: boolean,
    /** Bound on finishing in-flight sessions at shutdown (part of SHUTDOWN_TIMEOUT_MS). */
    readonly drainTimeoutMs: number,
  ) {}
}

/** Where accounts come from. */
export class MailAccountsConfig {
  constructor(
    readonly file: string,
    readonly pollMs: number,
    readonly defaultMaxMessagesPerHour: number,
    /** Interval between listings of the registry's mailboxes; 0: the registry is not read. */
    readonly registryRefreshMs: number = 0,
  ) {}
}

/** Concurrency and memory bounds of deliveries. */
export class MailLimitsConfig {
  constructor(
    readonly globalConcurrency: number,
    readonly accountConcurrency: number,
    readonly deliveryTimeoutMs: number,
    readonly maxBufferedBytes: number,
    /** V8's old-generation growth factor in percent; 0 leaves V8's own. */
    readonly heapGrowthPercent: number = 0,
  ) {}
}

/** One provider's SMTP submission server and token endpoint. */
export class MailProviderEndpoint {
  constructor(
    readonly provider: MailProvider,
    readonly smtpHost: string,
    readonly smtpPort: number,
    readonly tls: SmtpTlsMode,
    readonly tokenUrl: string,
  ) {}
}

/** Upstream delivery: providers, pools, tokens, circuit breakers, retries. */
export class MailUpstreamConfig {
  constructor(
    readonly providers: Readonly<Record<MailProvider, MailProviderEndpoint>>,
    readonly dryRun: boolean,
    readonly pool: {
      readonly maxAccounts: number;
      readonly connections: number;
      readonly idleMs: number;
    },
    readonly tokenTimeoutMs: number,
    readonly breaker: { readonly failures: number; readonly halfOpenMs: number },
    readonly retry: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number },
  ) {}
}
