import { randomUUID } from 'node:crypto';
import { SigningKeys } from '../../apps/auth/src/keys/signing-keys';
import { RevocationStore } from '../../apps/auth/src/revocation/revocation.store';
import { waitFor } from '@libs/testing';
import { OAuthHarness, basic, type RegisteredClient } from './oauth-harness';

// Conformance of RFC 7662 (introspection) and RFC 7009 (revocation).
describe('POST /oauth2/introspect and /oauth2/revoke', () => {
  let h: OAuthHarness;
  let resourceServer: RegisteredClient;
  let owner: RegisteredClient;

  beforeAll(async () => {
    h = await OAuthHarness.start();
    resourceServer = await h.client({ scopes: ['introspect'] });
    owner = await h.client();
    await Promise.all([h.warm(resourceServer.id), h.warm(owner.id)]);
  }, 30_000);

  afterAll(async () => {
    await h.close();
  });

  async function issue(c: RegisteredClient = owner): Promise<string> {
    const res = await h.post(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(c.id, c.secret) },
    );
    expect(res.statusCode).toBe(200);
    return res.json<{ access_token: string }>().access_token;
  }

  const introspect = (token: string, caller = resourceServer) =>
    h.post('/oauth2/introspect', { token }, { authorization: basic(caller.id, caller.secret) });
  const revoke = (token: string, caller = owner) =>
    h.post(
      '/oauth2/revoke',
      { token, token_type_hint: 'access_token' },
      { authorization: basic(caller.id, caller.secret) },
    );

  it('describes an active token', async () => {
    const token = await issue();
    const res = await introspect(token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.json()).toEqual({
      active: true,
      scope: 'orders:read orders:write',
      client_id: owner.id,
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
      sub: owner.id,
      aud: 'http://127.0.0.1:3000',
      iss: 'http://127.0.0.1:3000',
      jti: expect.any(String),
    });
  });

  it.each<[string, () => Promise<string>]>([
    ['garbage', async () => 'not-a-token'],
    ['a tampered signature', async () => `${(await issue()).slice(0, -4)}AAAA`],
    [
      'a token of another issuer',
      async () => {
        const [header, payload, signature] = (await issue()).split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        return [
          header,
          Buffer.from(JSON.stringify({ ...claims, iss: 'http://evil' })).toString('base64url'),
          signature,
        ].join('.');
      },
    ],
    [
      'an expired token',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        const signer = h.auth.get(SigningKeys).current();
        return signer.sign({
          iss: 'http://127.0.0.1:3000',
          sub: owner.id,
          client_id: owner.id,
          aud: 'x',
          scope: '',
          iat: now - 120,
          exp: now - 60,
          jti: randomUUID(),
        });
      },
    ],
  ])('answers exactly {"active":false} for %s', async (_case, make) => {
    const res = await introspect(await make());
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"active":false}');
  });

  it('refuses callers without the introspect permission, and unauthenticated ones', async () => {
    const token = await issue();
    const forbidden = await introspect(token, owner);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toBe('unauthorized_client');
    const anonymous = await h.post('/oauth2/introspect', { token });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error).toBe('invalid_client');
    const missing = await h.post(
      '/oauth2/introspect',
      {},
      { authorization: basic(resourceServer.id, resourceServer.secret) },
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe('invalid_request');
  });

  it('revokes a token for its owner; introspection then says inactive', async () => {
    const token = await issue();
    const res = await revoke(token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await introspect(token)).body).toBe('{"active":false}');
  });

  it("answers 200 for unknown tokens and refuses to revoke another client's token", async () => {
    expect((await revoke('unknown-token')).statusCode).toBe(200);
    const othersToken = await issue(resourceServer);
    const res = await revoke(othersToken, owner);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('unauthorized_client');
    expect((await introspect(othersToken)).json().active).toBe(true);
    expect((await h.post('/oauth2/revoke', { token: othersToken })).statusCode).toBe(401);
  });

  it('answers 503 when the revocation cannot be stored, and the token stays active', async () => {
    const token = await issue();
    const store = jest
      .spyOn(h.auth.get(RevocationStore), 'revoke')
      .mockRejectedValueOnce(new Error('database down'));
    const res = await revoke(token);
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('temporarily_unavailable');
    store.mockRestore();
    expect((await introspect(token)).json().active).toBe(true);
  });

  it('makes every token of a revoked client inactive', async () => {
    const c = await h.client();
    await h.warm(c.id);
    const token = await issue(c);
    expect((await introspect(token)).json().active).toBe(true);
    await h.operator('revoke', c.id);
    // The change reaches auth through the registry's change stream (L1 eviction), then RPC.
    await waitFor(
      'token inactive',
      async () => (await introspect(token)).body === '{"active":false}',
      5_000,
    );
  });
});
