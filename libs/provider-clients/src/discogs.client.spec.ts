import { startFakeHttp, type FakeHttpServer, type FakeRequest } from '@libs/testing';
import { DiscogsClient } from './discogs.client';
import { ProviderClientErrorCode } from './provider-client.errors';

describe('DiscogsClient', () => {
  let server: FakeHttpServer;
  let status = 200;
  const seen: FakeRequest[] = [];

  beforeEach(async () => {
    seen.length = 0;
    status = 200;
    server = await startFakeHttp((req) => {
      seen.push(req);
      return {
        status,
        body: status === 200 ? { pagination: { page: 1 } } : { message: 'slow down' },
      };
    });
  });
  afterEach(() => server.close());

  const client = (userAgent?: string) =>
    new DiscogsClient(
      { provider: 'discogs', token: 'discogs-token' },
      { baseUrl: server.origin, userAgent },
    );

  it('authenticates with the token and identifies the application', async () => {
    const answer = await client('PorticoTest/1.0').request(
      'GET',
      '/users/alice/collection/folders/0/releases',
      {
        query: { page: 1, per_page: 100 },
      },
    );
    expect(answer).toEqual({ pagination: { page: 1 } });
    expect(seen[0].headers.authorization).toBe('Discogs token=discogs-token');
    expect(seen[0].headers['user-agent']).toBe('PorticoTest/1.0');
    expect(seen[0].url.search).toBe('?page=1&per_page=100');
  });

  it("uses Portico's own User-Agent by default", () => {
    expect(client().headers()['User-Agent']).toMatch(/^PorticoProviderClients\/\S+ \+https:/);
  });

  it('surfaces rate limiting as an upstream failure with its status', async () => {
    status = 429;
    await expect(client().request('GET', '/oauth/identity')).rejects.toMatchObject({
      code: ProviderClientErrorCode.UpstreamFailed,
      upstreamStatus: 429,
    });
  });

  it('cannot be used after dispose()', () => {
    const discogs = client();
    discogs.dispose();
    expect(() => discogs.headers()).toThrow(
      expect.objectContaining({ code: ProviderClientErrorCode.Disposed }),
    );
  });
});
