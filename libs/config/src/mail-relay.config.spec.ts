import { ConfigError } from './config.error';
import { loadMailRelayConfig } from './mail-relay.config';

describe('mail relay config', () => {
  it('uses the documented defaults, real provider endpoints included', () => {
    const c = loadMailRelayConfig({});
    expect(c.http.port).toBe(3004);
    expect(c.smtp).toMatchObject({
      host: '0.0.0.0',
      port: 2525,
      maxMessageBytes: 25 * 1024 * 1024,
      tls: undefined,
    });
    expect(c.accounts.file).toBe('accounts.json');
    expect(c.accounts.registryRefreshMs).toBe(60_000);
    expect(c.limits.globalConcurrency).toBe(200);
    expect(c.limits.heapGrowthPercent).toBe(20);
    expect(c.upstream.dryRun).toBe(false);
    expect(c.upstream.providers.gmail).toMatchObject({
      smtpHost: 'smtp.gmail.com',
      smtpPort: 465,
      tls: 'tls',
      tokenUrl: 'https://oauth2.googleapis.com/token',
    });
    expect(c.upstream.providers.outlook).toMatchObject({
      smtpHost: 'smtp.office365.com',
      smtpPort: 587,
      tls: 'starttls',
      tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    });
    expect(c.warnings).toEqual([]);
  });

  it('lets command-line flags win over the environment', () => {
    const c = loadMailRelayConfig(
      {
        XOAUTH2_PORT: '2600',
        XOAUTH2_HOST: '10.0.0.1',
        XOAUTH2_ACCOUNTS_FILE: 'env.json',
        XOAUTH2_DRY_RUN: 'false',
      },
      {
        port: '2700',
        host: '127.0.0.1',
        accountsFile: 'flag.json',
        globalConcurrency: '7',
        dryRun: true,
      },
    );
    expect(c.smtp.port).toBe(2700);
    expect(c.smtp.host).toBe('127.0.0.1');
    expect(c.accounts.file).toBe('flag.json');
    expect(c.limits.globalConcurrency).toBe(7);
    expect(c.upstream.dryRun).toBe(true);
    expect(c.warnings.join()).toMatch(/dry run/);
  });

  it('takes XOAUTH2_HEAP_GROWTH_PERCENT from 0 (V8 decides) to 300 and refuses anything else', () => {
    expect(loadMailRelayConfig({ XOAUTH2_HEAP_GROWTH_PERCENT: '0' }).limits.heapGrowthPercent).toBe(
      0,
    );
    expect(
      loadMailRelayConfig({ XOAUTH2_HEAP_GROWTH_PERCENT: '50' }).limits.heapGrowthPercent,
    ).toBe(50);
    for (const bad of ['-1', '301', '12.5', 'lots']) {
      expect(() => loadMailRelayConfig({ XOAUTH2_HEAP_GROWTH_PERCENT: bad })).toThrow(ConfigError);
    }
  });

  it('reads the registry every XOAUTH2_REGISTRY_REFRESH_MS, not at all with 0, never in a tight loop', () => {
    expect(
      loadMailRelayConfig({ XOAUTH2_REGISTRY_REFRESH_MS: '0' }).accounts.registryRefreshMs,
    ).toBe(0);
    expect(() => loadMailRelayConfig({ XOAUTH2_REGISTRY_REFRESH_MS: '50' })).toThrow(
      /XOAUTH2_REGISTRY_REFRESH_MS: 0 \(off\) or at least 1000/,
    );
  });

  it('validates flags like their variables', () => {
    expect(() => loadMailRelayConfig({}, { port: 'smtp' })).toThrow(/XOAUTH2_PORT/);
    expect(() => loadMailRelayConfig({}, { globalConcurrency: '0' })).toThrow(
      /XOAUTH2_GLOBAL_CONCURRENCY/,
    );
  });

  it('refuses a dry-run value that is not a clear boolean', () => {
    expect(() => loadMailRelayConfig({ XOAUTH2_DRY_RUN: 'ture' })).toThrow(/XOAUTH2_DRY_RUN/);
    expect(loadMailRelayConfig({ XOAUTH2_DRY_RUN: 'yes' }).upstream.dryRun).toBe(true);
  });

  it('treats XOAUTH2_METRICS_PORT as the HTTP port and refuses a conflicting MAIL_RELAY_PORT', () => {
    expect(loadMailRelayConfig({ XOAUTH2_METRICS_PORT: '9100' }).http.port).toBe(9100);
    expect(
      loadMailRelayConfig({ XOAUTH2_METRICS_PORT: '9100', MAIL_RELAY_PORT: '9100' }).http.port,
    ).toBe(9100);
    expect(() =>
      loadMailRelayConfig({ XOAUTH2_METRICS_PORT: '9100', MAIL_RELAY_PORT: '3004' }),
    ).toThrow(ConfigError);
  });

  it('maps the TLS modes and warns when a remote provider could see tokens in clear', () => {
    const c = loadMailRelayConfig({
      XOAUTH2_GMAIL_SMTP_SECURE: 'starttls',
      XOAUTH2_OUTLOOK_SMTP_SECURE: 'false',
    });
    expect(c.upstream.providers.gmail.tls).toBe('starttls');
    expect(c.upstream.providers.outlook.tls).toBe('opportunistic');
    expect(c.warnings.join()).toMatch(
      /XOAUTH2_OUTLOOK_SMTP_SECURE allows access tokens in clear text/,
    );
    const local = loadMailRelayConfig({
      XOAUTH2_GMAIL_SMTP_HOST: '127.0.0.1',
      XOAUTH2_GMAIL_SMTP_SECURE: 'none',
    });
    expect(local.warnings).toEqual([]);
    expect(() => loadMailRelayConfig({ XOAUTH2_GMAIL_SMTP_SECURE: 'maybe' })).toThrow(
      /XOAUTH2_GMAIL_SMTP_SECURE/,
    );
  });

  it('needs both TLS files for STARTTLS, and them for XOAUTH2_REQUIRE_TLS', () => {
    expect(() => loadMailRelayConfig({ XOAUTH2_TLS_CERT_FILE: 'cert.pem' })).toThrow(
      /set both or neither/,
    );
    expect(() => loadMailRelayConfig({ XOAUTH2_REQUIRE_TLS: 'true' })).toThrow(
      /XOAUTH2_REQUIRE_TLS/,
    );
    const c = loadMailRelayConfig({
      XOAUTH2_TLS_CERT_FILE: 'c.pem',
      XOAUTH2_TLS_KEY_FILE: 'k.pem',
    });
    expect(c.smtp.tls).toEqual({ certFile: 'c.pem', keyFile: 'k.pem' });
  });

  it('bounds the session drain inside the shutdown timeout', () => {
    expect(loadMailRelayConfig({ SHUTDOWN_TIMEOUT_MS: '20000' }).smtp.drainTimeoutMs).toBe(15_000);
  });
});
