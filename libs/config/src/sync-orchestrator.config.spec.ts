import { ConfigError } from './config.error';
import { loadSyncOrchestratorConfig } from './sync-orchestrator.config';

describe('sync-orchestrator configuration', () => {
  it('verifies tokens of Portico auth and paces at Discogs limits by default', () => {
    const config = loadSyncOrchestratorConfig({});
    expect(config.http.port).toBe(3003);
    expect(config.jwt).toMatchObject({
      issuer: 'http://127.0.0.1:3000',
      jwksUrl: 'http://127.0.0.1:3000/.well-known/jwks.json',
      audience: undefined,
    });
    expect(config.pacing).toMatchObject({ rateLimit: 60, windowMs: 60_000, maxRetries: 5 });
    expect(config.web.demoDiscogsBaseUrl).toBeUndefined();
  });

  it('derives the JWKS URL from the issuer unless one is given', () => {
    expect(loadSyncOrchestratorConfig({ ISSUER: 'https://id.example/' }).jwt.jwksUrl).toBe(
      'https://id.example/.well-known/jwks.json',
    );
    const explicit = loadSyncOrchestratorConfig({ SYNC_JWKS_URL: 'https://keys.example/jwks' });
    expect(explicit.jwt.jwksUrl).toBe('https://keys.example/jwks');
  });

  it('reads algorithm lists and refuses unknown ones', () => {
    expect(
      loadSyncOrchestratorConfig({ SYNC_JWT_ALGORITHMS: 'ES256, RS256' }).jwt.algorithms,
    ).toEqual(['ES256', 'RS256']);
    expect(() => loadSyncOrchestratorConfig({ SYNC_JWT_ALGORITHMS: 'none' })).toThrow(ConfigError);
  });

  it('allows a demo Discogs API only on loopback and never in production', () => {
    const demo = { NODE_ENV: 'test', SYNC_DEMO_DISCOGS_BASE_URL: 'http://127.0.0.1:9000/' };
    const config = loadSyncOrchestratorConfig(demo);
    expect(config.web.demoDiscogsBaseUrl).toBe('http://127.0.0.1:9000');
    expect(config.warnings.join()).toMatch(/demo API/);
    expect(() => loadSyncOrchestratorConfig({ ...demo, NODE_ENV: 'production' })).toThrow(
      /refused when NODE_ENV=production/,
    );
    expect(() =>
      loadSyncOrchestratorConfig({
        ...demo,
        SYNC_DEMO_DISCOGS_BASE_URL: 'https://discogs-mirror.example',
      }),
    ).toThrow(/loopback/);
  });

  it('bounds the response size by the transport cap', () => {
    expect(() =>
      loadSyncOrchestratorConfig({ SYNC_MAX_RESPONSE_BYTES: String(64 * 1024 * 1024) }),
    ).toThrow(/SYNC_MAX_RESPONSE_BYTES/);
  });
});
