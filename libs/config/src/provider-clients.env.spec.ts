import { IntersectionType } from '@nestjs/mapped-types';
import { CommonEnv } from './common.env';
import { DevCredentials, ProviderClientsEnv, providerClientsSection } from './provider-clients.env';
import { validateEnv, type Env } from './validate-env';

class TestEnv extends IntersectionType(CommonEnv, ProviderClientsEnv) {}

function load(env: Env) {
  const warnings: string[] = [];
  return { clients: providerClientsSection(validateEnv(TestEnv, env), warnings), warnings };
}

const DISCOGS = { DEV_DISCOGS_TOKEN: 'dev-discogs-token' };

describe('provider clients environment', () => {
  it('has cache defaults of 100 clients for 30 minutes', () => {
    const { clients } = load({});
    expect(clients.cacheMax).toBe(100);
    expect(clients.cacheTtlMs).toBe(30 * 60_000);
    expect(clients.discogsUserAgent).toMatch(/Portico/);
    expect(clients.devCredentials.providers).toEqual([]);
  });

  it('makes development fallback credentials impossible in production and tests', () => {
    for (const NODE_ENV of ['production', 'test']) {
      expect(() => load({ NODE_ENV, ...DISCOGS })).toThrow(
        /DEV_DISCOGS_\*: fallback credentials are allowed only when NODE_ENV=development/,
      );
    }
  });

  it('offers fallback credentials in development, with a warning', () => {
    const { clients, warnings } = load({
      NODE_ENV: 'development',
      ...DISCOGS,
      DEV_BRICKOWL_KEY: 'dev-owl',
    });
    expect(clients.devCredentials.get('discogs')).toEqual({ token: 'dev-discogs-token' });
    expect(clients.devCredentials.get('brickowl')).toEqual({ apiKey: 'dev-owl' });
    expect(clients.devCredentials.get('gmail')).toBeUndefined();
    expect(warnings.join()).toMatch(/fallback credentials configured for brickowl, discogs/);
    expect(JSON.stringify(clients)).not.toContain('dev-discogs-token');
  });

  it('names the missing variables of a half-configured provider', () => {
    expect(() =>
      load({
        NODE_ENV: 'development',
        DEV_BRICKLINK_CONSUMER_KEY: 'ck',
        DEV_BRICKLINK_TOKEN_VALUE: 'tv',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^DEV_BRICKLINK_CONSUMER_SECRET: is required/),
          expect.stringMatching(/^DEV_BRICKLINK_TOKEN_SECRET: is required/),
        ],
      }),
    );
  });

  it('answers nothing when built by hand for production', () => {
    const devCredentials = new DevCredentials('production', { discogs: { token: 'x' } });
    expect(devCredentials.get('discogs')).toBeUndefined();
    expect(devCredentials.providers).toEqual([]);
  });
});
