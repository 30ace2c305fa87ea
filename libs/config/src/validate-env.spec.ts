import { ConfigError } from './config.error';
import { loadAuthConfig } from './auth.config';
import { loadEventConsumerConfig } from './event-consumer.config';

describe('environment validation', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadEventConsumerConfig({});
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/portico');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379/0');
    expect(config.http.port).toBe(3002);
    expect(config.log.level).toBe('info');
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadEventConsumerConfig({ EVENT_CONSUMER_PORT: '4002', TRUST_PROXY: 'true' });
    expect(config.http.port).toBe(4002);
    expect(config.http.trustProxy).toBe(true);
    expect(loadEventConsumerConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadEventConsumerConfig({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
    expect(() => loadEventConsumerConfig({ TRUST_PROXY: 'ture' })).toThrow(/TRUST_PROXY/);
  });

  it('names the bad variable without echoing its value', () => {
    let error: unknown;
    try {
      loadEventConsumerConfig({ DATABASE_URL: 'notaurl' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /DATABASE_URL: must be a URL starting with postgres:/,
    );
    expect((error as ConfigError).message).not.toContain('notaurl');
  });

  it('lists every bad variable at once', () => {
    expect(() =>
      loadEventConsumerConfig({
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'http://x',
        LOG_LEVEL: 'loud',
        EVENT_CONSUMER_PORT: '70000',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/^DATABASE_URL:/),
          expect.stringMatching(/^REDIS_URL:/),
          expect.stringMatching(/^LOG_LEVEL:/),
          expect.stringMatching(/^EVENT_CONSUMER_PORT:/),
        ]),
      }),
    );
  });

  it('requires ADMIN_TOKEN outside development and warns about the default inside it', () => {
    expect(() =>
      loadAuthConfig({
        NODE_ENV: 'production',
        PORTICO_KEK: Buffer.alloc(32, 1).toString('base64'),
      }),
    ).toThrow(/ADMIN_TOKEN/);
    const dev = loadAuthConfig({ NODE_ENV: 'development' });
    expect(dev.admin.token.length).toBeGreaterThanOrEqual(16);
    expect(dev.warnings.join()).toMatch(/ADMIN_TOKEN/);
    expect(
      loadAuthConfig({
        ADMIN_TOKEN: 'x'.repeat(32),
        PORTICO_KEK: Buffer.alloc(32, 1).toString('base64'),
      }).warnings,
    ).toEqual([]);
  });

  it('rejects an admin token that is too short', () => {
    expect(() => loadAuthConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: .*16/);
  });
});
