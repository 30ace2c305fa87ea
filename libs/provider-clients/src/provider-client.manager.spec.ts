import { DevCredentials } from '@libs/config';
import { FakeTokenEndpoint } from '@libs/testing';
import { Logger } from '@nestjs/common';
import type { OAuth2Tokens } from './oauth2-token-source';
import { ProviderClientErrorCode } from './provider-client.errors';
import {
  ProviderClientManager,
  type ProviderClientManagerOptions,
} from './provider-client.manager';
import type { ProviderCredentials, ProviderName } from './provider.types';

const discogs = (token: string): ProviderCredentials => ({ provider: 'discogs', token });

/** Credentials by `provider:user`, with a count of loader calls and an optional delay. */
class CredentialStore {
  readonly values = new Map<string, ProviderCredentials>();
  calls = 0;
  delay?: Promise<void>;

  load = async (userId: string, provider: ProviderName) => {
    this.calls++;
    const value = this.values.get(`${provider}:${userId}`);
    await this.delay;
    return value;
  };
}

describe('ProviderClientManager', () => {
  let store: CredentialStore;
  let now: number;
  const managers: ProviderClientManager[] = [];
  const logs: string[] = [];

  beforeEach(() => {
    store = new CredentialStore();
    now = 1_000_000;
    logs.length = 0;
    for (const level of ['log', 'debug', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logs.push(`${level}: ${String(args[0])}`);
      });
    }
  });
  afterEach(() => {
    managers.splice(0).forEach((m) => m.close());
    jest.restoreAllMocks();
  });

  function manager(options: Partial<ProviderClientManagerOptions> = {}) {
    const created = new ProviderClientManager({
      loadCredentials: store.load,
      now: () => now,
      sweepIntervalMs: 0,
      ...options,
    });
    managers.push(created);
    return created;
  }

  it('creates a client once, then serves it from cache, with statistics', async () => {
    store.values.set('discogs:u1', discogs('tok-1'));
    const m = manager();
    const first = await m.get('u1', 'discogs');
    expect(await m.get('u1', 'discogs')).toBe(first);
    expect(first.headers().Authorization).toBe('Discogs token=tok-1');
    expect(store.calls).toBe(1);
    expect(m.stats).toEqual({
      cached_clients: 1,
      max_clients: 100,
      cache_ttl: 1800,
      hits: 1,
      misses: 1,
      hit_rate: 0.5,
      created: 1,
      evicted: 0,
      expired: 0,
      invalidated: 0,
    });
    expect(logs).toContain('log: created and cached discogs client of user u1');
    expect(logs).toContain('debug: using cached discogs client of user u1');
  });

  it('creates one client for many concurrent callers', async () => {
    store.values.set('discogs:u1', discogs('tok-1'));
    let release!: () => void;
    store.delay = new Promise((done) => (release = done));
    const m = manager();
    const pending = Array.from({ length: 50 }, () => m.get('u1', 'discogs'));
    release();
    const clients = await Promise.all(pending);
    expect(new Set(clients).size).toBe(1);
    expect(store.calls).toBe(1);
    expect(m.stats.created).toBe(1);
  });

  it('expires clients after the TTL and disposes of them', async () => {
    store.values.set('discogs:u1', discogs('tok-1'));
    store.values.set('discogs:u2', discogs('tok-2'));
    const m = manager({ ttlMs: 60_000 });
    const old = await m.get('u1', 'discogs');
    await m.get('u2', 'discogs');
    now += 60_001;
    const fresh = await m.get('u1', 'discogs');
    expect(fresh).not.toBe(old);
    expect(() => old.headers()).toThrow(
      expect.objectContaining({ code: ProviderClientErrorCode.Disposed }),
    );
    expect(m.purgeExpired()).toBe(1); // u2, found by the sweep
    expect(m.stats).toMatchObject({ expired: 2, cached_clients: 1 });
    expect(logs).toContain('log: cleaned up 1 expired provider clients');
  });

  it('evicts the least recently used client at the maximum and disposes of it', async () => {
    for (const u of ['u1', 'u2', 'u3']) store.values.set(`discogs:${u}`, discogs(`tok-${u}`));
    const m = manager({ maxClients: 2 });
    const u1 = await m.get('u1', 'discogs');
    const u2 = await m.get('u2', 'discogs');
    await m.get('u1', 'discogs'); // u1 is now the most recently used
    await m.get('u3', 'discogs');
    expect(() => u2.headers()).toThrow(
      expect.objectContaining({ code: ProviderClientErrorCode.Disposed }),
    );
    expect(await m.get('u1', 'discogs')).toBe(u1);
    expect(m.stats).toMatchObject({ cached_clients: 2, max_clients: 2, evicted: 1 });
  });

  it('rebuilds a client from the new credentials after invalidate()', async () => {
    store.values.set('discogs:u1', discogs('old-token'));
    const m = manager();
    const old = await m.get('u1', 'discogs');
    store.values.set('discogs:u1', discogs('new-token'));
    m.invalidate('u1', 'discogs');
    const fresh = await m.get('u1', 'discogs');
    expect(fresh.headers().Authorization).toBe('Discogs token=new-token');
    expect(() => old.headers()).toThrow(
      expect.objectContaining({ code: ProviderClientErrorCode.Disposed }),
    );
    expect(m.stats.invalidated).toBe(1);
  });

  it('re-reads credentials that change while a client is being created', async () => {
    store.values.set('discogs:u1', discogs('old-token'));
    let release!: () => void;
    store.delay = new Promise((done) => (release = done));
    const m = manager();
    const pending = m.get('u1', 'discogs');
    await Promise.resolve(); // the loader has read the old token and waits
    store.values.set('discogs:u1', discogs('new-token'));
    store.delay = undefined;
    m.invalidate('u1', 'discogs');
    release();
    expect((await pending).headers().Authorization).toBe('Discogs token=new-token');
    expect((await m.get('u1', 'discogs')).headers().Authorization).toBe('Discogs token=new-token');
    expect(store.calls).toBe(2);
  });

  it('reports missing credentials and caches nothing', async () => {
    const m = manager();
    await expect(m.get('nobody', 'brickowl')).rejects.toMatchObject({
      code: ProviderClientErrorCode.CredentialsNotFound,
    });
    await expect(m.get('nobody', 'brickowl')).rejects.toThrow(/no brickowl credentials/);
    expect(store.calls).toBe(2);
    expect(m.stats.cached_clients).toBe(0);
  });

  it('refuses credentials of another provider', async () => {
    store.values.set('bricklink:u1', discogs('tok'));
    await expect(manager().get('u1', 'bricklink')).rejects.toMatchObject({
      code: ProviderClientErrorCode.Misconfigured,
    });
  });

  it('builds OAuth 2.0 token sources that store refreshed tokens per user', async () => {
    const client = { clientId: 'cid', clientSecret: 'csecret', refreshToken: 'rt-user' };
    const endpoint = await FakeTokenEndpoint.start(client);
    try {
      store.values.set('gmail:u1', { provider: 'gmail', ...client, tokenUrl: endpoint.url });
      const saved: [string, string, OAuth2Tokens][] = [];
      const m = manager({ onTokens: async (...args) => void saved.push(args) });
      const source = await m.get('u1', 'gmail');
      expect(await source.getAccessToken()).toBe(endpoint.issued[0]);
      expect(saved).toEqual([
        ['u1', 'gmail', expect.objectContaining({ refreshToken: 'rt-user' })],
      ]);
    } finally {
      await endpoint.close();
    }
  });

  it('uses development fallback credentials in development, warning at each use', async () => {
    const dev = new DevCredentials('development', { discogs: { token: 'dev-token' } });
    const m = manager({ devCredentials: dev });
    expect((await m.get('u1', 'discogs')).headers().Authorization).toBe('Discogs token=dev-token');
    await m.get('u1', 'discogs');
    const warnings = logs.filter(
      (l) => l.startsWith('warn:') && l.includes('DEVELOPMENT fallback'),
    );
    expect(warnings).toHaveLength(2);
    expect(logs.join('\n')).not.toContain('dev-token');
  });

  it('never uses fallback credentials outside development', async () => {
    for (const nodeEnv of ['production', 'test'] as const) {
      const dev = new DevCredentials(nodeEnv, { discogs: { token: 'dev-token' } });
      await expect(manager({ devCredentials: dev }).get('u1', 'discogs')).rejects.toMatchObject({
        code: ProviderClientErrorCode.CredentialsNotFound,
      });
    }
  });

  it('logs its lifecycle without any secret', async () => {
    const secrets = {
      consumerKey: 'ck-SECRET',
      consumerSecret: 'cs-SECRET',
      tokenValue: 'tv-SECRET',
      tokenSecret: 'ts-SECRET',
    };
    store.values.set('bricklink:u1', { provider: 'bricklink', ...secrets });
    store.values.set('brickowl:u1', { provider: 'brickowl', apiKey: 'owl-SECRET' });
    const m = manager({ ttlMs: 10 });
    await m.get('u1', 'bricklink');
    await m.get('u1', 'bricklink');
    await m.get('u1', 'brickowl');
    m.invalidate('u1', 'brickowl');
    now += 11;
    m.purgeExpired();
    expect(logs.length).toBeGreaterThanOrEqual(5);
    expect(logs.join('\n')).not.toMatch(/SECRET/);
  });
});
