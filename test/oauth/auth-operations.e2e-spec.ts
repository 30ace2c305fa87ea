import { TEST_ADMIN_TOKEN } from '@libs/testing';
import { OAuthHarness, basic } from './oauth-harness';

// What an operator sees of auth: metrics and cache statistics.
describe('auth operations', () => {
  let h: OAuthHarness;

  beforeAll(async () => {
    h = await OAuthHarness.start({ TOKEN_FLUSH_WORKER: 'false' });
  }, 30_000);

  afterAll(async () => {
    await h.close();
  });

  async function issue(id: string, secret: string) {
    return h.post(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(id, secret) },
    );
  }

  it('exports token outcomes, issued counts, cache and backlog metrics', async () => {
    const c = await h.client();
    await h.warm(c.id);
    expect((await issue(c.id, c.secret)).statusCode).toBe(200);
    expect((await issue(c.id, 'wrong')).statusCode).toBe(401);
    const text = (await h.auth.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(
      /auth_oauth_responses_total\{endpoint="\/oauth2\/token",outcome="ok",app="auth"\} [1-9]/,
    );
    expect(text).toMatch(
      /auth_oauth_responses_total\{endpoint="\/oauth2\/token",outcome="invalid_client",app="auth"\} [1-9]/,
    );
    expect(text).toContain(`auth_tokens_issued_total{client_id="${c.id}",app="auth"} 1`);
    expect(text).toMatch(/auth_token_records_pending\{app="auth"\} [1-9]/);
    expect(text).toMatch(/cache_hit_ratio\{cache="auth_clients",app="auth"\}/);
    expect(text).toContain('auth_failures_total{kind="failed",app="auth"} 1');
    const requests = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_request_duration_seconds_count{') &&
          l.includes('route="/oauth2/token"') &&
          l.includes('status_code="200"'),
      );
    expect(requests).toMatch(/ [1-9]\d*$/);
  });

  it('answers cache statistics to the operator only', async () => {
    const denied = await h.auth.inject({ method: 'GET', url: '/admin/cache/stats' });
    expect(denied.statusCode).toBe(401);
    const res = await h.auth.inject({
      method: 'GET',
      url: '/admin/cache/stats',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      clients: expect.objectContaining({
        size: expect.any(Number),
        hitRate: expect.any(Number),
        invalidation_feed_healthy: true,
        bypassed: false,
      }),
      pending_token_records: expect.any(Number),
    });
  });
});
