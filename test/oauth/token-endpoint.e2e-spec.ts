import { decodeProtectedHeader, decodeJwt } from 'jose';
import { sha256Of } from '@libs/testing';
import { ClientsService } from '../../apps/client-registry/src/clients/clients.service';
import { adminEvent } from '@libs/testing';
import { OAuthHarness, basic, type RegisteredClient } from './oauth-harness';

// Conformance of POST /oauth2/token: RFC 6749 §2.3.1, §4.4, §5.1, §5.2, Appendix B; RFC 9068.
describe('POST /oauth2/token', () => {
  let h: OAuthHarness;
  let client: RegisteredClient;

  beforeAll(async () => {
    h = await OAuthHarness.start({ AUTH_FAILURES_PER_CLIENT: '3', AUTH_FAILURE_WINDOW: '60' });
    client = await h.client();
  }, 30_000);

  afterAll(async () => {
    await h.close();
  });

  const grant = { grant_type: 'client_credentials' };
  const token = (form: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
    h.post('/oauth2/token', form, headers);

  function expectNoStore(res: { headers: Record<string, unknown> }) {
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  }

  it('issues a Bearer token with client_secret_basic (RFC 6749 §5.1)', async () => {
    const res = await token(grant, { authorization: basic(client.id, client.secret) });
    expect(res.statusCode).toBe(200);
    expectNoStore(res);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'orders:read orders:write',
    });
  });

  it('issues with client_secret_post', async () => {
    const res = await token({ ...grant, client_id: client.id, client_secret: client.secret });
    expect(res.statusCode).toBe(200);
  });

  it('signs an RFC 9068 JWT: typ at+jwt, kid, and every required claim', async () => {
    const res = await token(
      { ...grant, scope: 'orders:read', audience: 'https://api.example' },
      { authorization: basic(client.id, client.secret) },
    );
    const jwt = res.json<{ access_token: string }>().access_token;
    expect(decodeProtectedHeader(jwt)).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: expect.any(String),
    });
    const claims = decodeJwt(jwt);
    expect(claims).toEqual({
      iss: 'http://127.0.0.1:3000',
      sub: client.id,
      client_id: client.id,
      aud: 'https://api.example',
      scope: 'orders:read',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it.each<[string, Record<string, string | string[]>, Record<string, string>, number, string]>([
    ['missing grant_type', {}, {}, 400, 'invalid_request'],
    ['unsupported grant_type', { grant_type: 'password' }, {}, 400, 'unsupported_grant_type'],
    [
      'repeated parameter',
      { grant_type: ['client_credentials', 'client_credentials'] },
      {},
      400,
      'invalid_request',
    ],
    ['malformed scope', { ...grant, scope: 'a"b' }, {}, 400, 'invalid_scope'],
    [
      'resource that is not an absolute URI',
      { ...grant, resource: 'relative/path' },
      {},
      400,
      'invalid_target',
    ],
  ])('answers %s with %i %s', async (_case, form, extra, status, error) => {
    const res = await token(form, { authorization: basic(client.id, client.secret), ...extra });
    expect(res.statusCode).toBe(status);
    expectNoStore(res);
    expect(res.json()).toEqual({ error, error_description: expect.any(String) });
  });

  it('refuses a body that is not form-encoded', async () => {
    const res = await h.auth.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: {
        'content-type': 'application/json',
        authorization: basic(client.id, client.secret),
      },
      payload: JSON.stringify(grant),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
    expectNoStore(res);
  });

  it('refuses two client authentication methods at once', async () => {
    const res = await token(
      { ...grant, client_secret: client.secret },
      { authorization: basic(client.id, client.secret) },
    );
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it.each<[string, (v: RegisteredClient) => [Record<string, string>, Record<string, string>]]>([
    ['no credentials', () => [grant, {}]],
    ['a wrong secret (basic)', (v) => [grant, { authorization: basic(v.id, 'wrong') }]],
    ['a wrong secret (post)', (v) => [{ ...grant, client_id: v.id, client_secret: 'wrong' }, {}]],
    ['a malformed Basic header', () => [grant, { authorization: 'Basic !!!notbase64' }]],
    [
      'an unknown client',
      () => [grant, { authorization: basic('5f0c2b7e-0000-4000-8000-000000000000', 'x') }],
    ],
    ['a client id that is not a uuid', () => [grant, { authorization: basic('nope', 'x') }]],
  ])('answers %s with 401 invalid_client and a Basic challenge', async (_case, request) => {
    // A fresh client per case, so the failure throttle of one case never colours another.
    const victim = await h.client();
    await h.warm(victim.id);
    const [form, headers] = request(victim);
    const res = await token(form, headers);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm="portico"/);
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expectNoStore(res);
  });

  it('gives suspended and revoked clients the same answer as a wrong secret', async () => {
    for (const action of ['suspend', 'revoke'] as const) {
      const c = await h.client();
      await h.operator(action, c.id);
      await h.warm(c.id);
      const res = await token(grant, { authorization: basic(c.id, c.secret) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    }
  });

  it('decodes Basic credentials per Appendix B (form-encoded id and secret)', async () => {
    const secret = 'p@ss w:rd+%/é';
    const event = adminEvent('client.created', {
      client_secret_hash: sha256Of(secret),
      scopes: ['a'],
    });
    await h.registry.get(ClientsService).applyEvents([event]);
    await h.warm(event.payload.client_id);
    expect(
      (await token(grant, { authorization: basic(event.payload.client_id, secret) })).statusCode,
    ).toBe(200);
    const raw = `Basic ${Buffer.from(`${event.payload.client_id}:${secret}`).toString('base64')}`;
    expect((await token(grant, { authorization: raw })).statusCode).toBe(401);
  });

  it('answers unauthorized_client when the client may not use the grant', async () => {
    const c = await h.client({ grant_types: [] });
    await h.warm(c.id);
    const res = await token(grant, { authorization: basic(c.id, c.secret) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('unauthorized_client');
  });

  it('checks the source address against allowed_ips', async () => {
    const outside = await h.client({ allowed_ips: ['10.0.0.0/8'] });
    const inside = await h.client({ allowed_ips: ['127.0.0.1'] });
    await Promise.all([h.warm(outside.id), h.warm(inside.id)]);
    const refused = await token(grant, { authorization: basic(outside.id, outside.secret) });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toBe('unauthorized_client');
    expect(
      (await token(grant, { authorization: basic(inside.id, inside.secret) })).statusCode,
    ).toBe(200);
  });

  it('grants a subset of the client scopes, refuses others, and leaves out introspect by default', async () => {
    const c = await h.client({ scopes: ['a', 'b', 'introspect'] });
    await h.warm(c.id);
    const auth = { authorization: basic(c.id, c.secret) };
    expect((await token(grant, auth)).json().scope).toBe('a b');
    expect((await token({ ...grant, scope: 'b introspect' }, auth)).json().scope).toBe(
      'b introspect',
    );
    const refused = await token({ ...grant, scope: 'a c' }, auth);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toBe('invalid_scope');
  });

  it('answers 429 with Retry-After past the client rate limit', async () => {
    const c = await h.client({ rate_limit: 2 });
    await h.warm(c.id);
    const auth = { authorization: basic(c.id, c.secret) };
    expect((await token(grant, auth)).statusCode).toBe(200);
    expect((await token(grant, auth)).statusCode).toBe(200);
    const limited = await token(grant, auth);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'rate limit exceeded',
    });
  });

  it('throttles a client id after repeated failures, even with the right secret, without locking it for good', async () => {
    const c = await h.client();
    await h.warm(c.id);
    for (let i = 0; i < 4; i++) await token(grant, { authorization: basic(c.id, 'guess') });
    const throttled = await token(grant, { authorization: basic(c.id, c.secret) });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('accepts the previous secret during its grace period only', async () => {
    const c = await h.client();
    await h.warm(c.id);
    expect((await token(grant, { authorization: basic(c.id, c.secret) })).statusCode).toBe(200);
    const rotated = (await h.operator('rotate-secret', c.id, { grace_seconds: 3600 })).json<{
      client_secret: string;
    }>();
    await h.settled(c.id, 2);
    expect((await token(grant, { authorization: basic(c.id, c.secret) })).statusCode).toBe(200);
    expect(
      (await token(grant, { authorization: basic(c.id, rotated.client_secret) })).statusCode,
    ).toBe(200);
    const again = (await h.operator('rotate-secret', c.id, { grace_seconds: 0 })).json<{
      client_secret: string;
    }>();
    // The rotation reaches auth's in-process cache through the registry's change stream.
    await h.settled(c.id, 3);
    expect(
      (await token(grant, { authorization: basic(c.id, rotated.client_secret) })).statusCode,
    ).toBe(401);
    expect(
      (await token(grant, { authorization: basic(c.id, again.client_secret) })).statusCode,
    ).toBe(200);
  });
});
