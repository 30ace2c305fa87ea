import { FakeTokenEndpoint } from '@libs/testing';
import { Logger } from '@nestjs/common';
import { OAuth2RefreshError, ProviderClientErrorCode } from './provider-client.errors';
import {
  OAuth2TokenSource,
  type OAuth2Tokens,
  type OAuth2TokenSourceOptions,
} from './oauth2-token-source';

const CLIENT = { clientId: 'mail-client', clientSecret: 'mail-secret', refreshToken: 'rt-initial' };
const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

describe('OAuth2TokenSource against a local token endpoint', () => {
  let endpoint: FakeTokenEndpoint;
  const sources: OAuth2TokenSource[] = [];

  afterEach(async () => {
    sources.splice(0).forEach((s) => s.dispose());
    await endpoint.close();
  });

  async function setUp(
    endpointOptions: Partial<Parameters<typeof FakeTokenEndpoint.start>[0]> = {},
    options: Partial<OAuth2TokenSourceOptions> = {},
  ): Promise<OAuth2TokenSource> {
    endpoint = await FakeTokenEndpoint.start({ ...CLIENT, ...endpointOptions });
    const source = new OAuth2TokenSource({
      provider: 'gmail',
      tokenUrl: endpoint.url,
      ...CLIENT,
      retry: FAST_RETRY,
      ...options,
    });
    sources.push(source);
    return source;
  }

  it('refreshes once, then answers from cache until the skew window', async () => {
    let now = Date.UTC(2026, 0, 1);
    const source = await setUp({ expiresIn: 3600 }, { now: () => now });

    const first = await source.getAccessToken();
    expect(first).toBe(endpoint.issued[0]);
    now += 54 * 60_000; // 6 min before expiry: still outside the 5 min skew
    expect(await source.getAccessToken()).toBe(first);
    now += 60_000 + 1; // inside the skew: refreshed ahead of expiry
    expect(await source.getAccessToken()).toBe(endpoint.issued[1]);
    expect(endpoint.requests).toHaveLength(2);
    expect(source.stats).toEqual({ refreshes: 2, failures: 0, hits: 1, misses: 2 });
  });

  it('uses a stored access token while it is valid and refreshes one that is about to expire', async () => {
    const now = Date.now();
    const fresh = await setUp(
      {},
      { accessToken: 'stored', expiresAt: new Date(now + 10 * 60_000) },
    );
    expect(await fresh.getAccessToken()).toBe('stored');
    expect(endpoint.requests).toHaveLength(0);
    await endpoint.close();

    const expiring = await setUp(
      {},
      { accessToken: 'stored', expiresAt: new Date(now + 4 * 60_000) },
    );
    expect(await expiring.getAccessToken()).toBe(endpoint.issued[0]);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('serves 100 concurrent callers with one refresh', async () => {
    const source = await setUp();
    endpoint.delayMs = 50;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => source.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set([endpoint.issued[0]]));
    expect(endpoint.requests).toHaveLength(1);
    expect(source.stats.refreshes).toBe(1);
  });

  it('refreshes again after invalidate()', async () => {
    const source = await setUp();
    const first = await source.getAccessToken();
    source.invalidate();
    const second = await source.getAccessToken();
    expect(second).not.toBe(first);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('retries 5xx failures after a backoff delay, then succeeds', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const source = await setUp();
      endpoint.failNext({ status: 503 }, { status: 500, error: 'server_error' });
      expect(await source.getAccessToken()).toBe(endpoint.issued[0]);
      expect(endpoint.requests).toHaveLength(3);
      expect(source.stats).toMatchObject({ refreshes: 1, failures: 2 });
      const delays = warn.mock.calls.map(([m]) => /retry in (\d+) ms/.exec(String(m))?.[1]);
      expect(delays).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
      expect(delays.map(Number).every((d) => d <= FAST_RETRY.maxDelayMs)).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  it('surfaces a retryable failure after the last attempt', async () => {
    const source = await setUp();
    endpoint.failNext(...Array.from({ length: 4 }, () => ({ status: 502 })));
    const error = await source.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuth2RefreshError);
    expect(error).toMatchObject({
      retryable: true,
      status: 502,
      code: ProviderClientErrorCode.RefreshFailed,
    });
    expect(endpoint.requests).toHaveLength(4);
    expect(source.stats).toMatchObject({ refreshes: 0, failures: 4 });
    // The next call tries again and recovers.
    expect(await source.getAccessToken()).toBe(endpoint.issued[0]);
  });

  it('does not retry invalid_grant and says so', async () => {
    const source = await setUp({ refreshToken: 'some-other-token' });
    const error = await source.getAccessToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, status: 400, oauthError: 'invalid_grant' });
    expect((error as Error).message).not.toContain(CLIENT.refreshToken);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('fails fast when the token endpoint is unreachable, marking it retryable', async () => {
    const source = await setUp({}, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await endpoint.close();
    const error = await source.getAccessToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(source.stats.failures).toBe(2);
    endpoint = await FakeTokenEndpoint.start(CLIENT); // for afterEach
  });

  it('keeps the old refresh token when none is returned and stores the new set', async () => {
    const saved: OAuth2Tokens[] = [];
    const source = await setUp({}, { onTokens: (t) => void saved.push(t) });
    await source.getAccessToken();
    source.invalidate();
    await source.getAccessToken();
    expect(saved.map((t) => t.refreshToken)).toEqual(['rt-initial', 'rt-initial']);
    expect(endpoint.requests.map((r) => r.refreshToken)).toEqual(['rt-initial', 'rt-initial']);
    expect(saved[1]).toMatchObject({
      accessToken: endpoint.issued[1],
      scope: 'https://mail.google.com/',
    });
    expect(saved[1].expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);
  });

  it('switches to a rotated refresh token and ignores an unverifiable id_token', async () => {
    const saved: OAuth2Tokens[] = [];
    const source = await setUp(
      { rotateRefreshToken: true, includeIdToken: true },
      { provider: 'outlook', onTokens: (t) => void saved.push(t) },
    );
    await source.getAccessToken();
    const rotated = endpoint.refreshToken;
    expect(saved[0].refreshToken).toBe(rotated);
    source.invalidate();
    await source.getAccessToken();
    expect(endpoint.requests[1].refreshToken).toBe(rotated);
  });

  it('still hands out the token when storing it back fails', async () => {
    const source = await setUp({}, { onTokens: () => Promise.reject(new Error('db down')) });
    expect(await source.getAccessToken()).toBe(endpoint.issued[0]);
  });

  it('refuses a plain-http token URL that is not loopback', () => {
    expect(
      () =>
        new OAuth2TokenSource({
          provider: 'gmail',
          tokenUrl: 'http://oauth2.example.com/token',
          ...CLIENT,
        }),
    ).toThrow(/https/);
  });

  it('fails after dispose()', async () => {
    const source = await setUp();
    source.dispose();
    await expect(source.getAccessToken()).rejects.toMatchObject({
      code: ProviderClientErrorCode.Disposed,
    });
  });
});
