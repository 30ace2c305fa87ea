import { createLocalJWKSet, jwtVerify } from 'jose';
import { loadAuthConfig } from '@libs/config';
import { bootApp } from '@libs/testing';
import { defineApp as defineAuth } from '../../apps/auth/src/app.module';
import { runKeysCli } from '../../apps/auth/src/keys/keys.cli';
import { SigningKeys } from '../../apps/auth/src/keys/signing-keys';
import { OAuthHarness, basic, type RegisteredClient } from './oauth-harness';

// Signing key rotation across two auth instances sharing the database (and the KEK).
describe('signing key rotation', () => {
  let h: OAuthHarness;
  let second: Awaited<ReturnType<typeof bootApp>>;
  let client: RegisteredClient;

  beforeAll(async () => {
    h = await OAuthHarness.start({ KEY_PUBLISH_AHEAD: '600' });
    second = await bootApp(defineAuth(loadAuthConfig(h.env)));
    client = await h.client();
    await h.warm(client.id);
  }, 30_000);

  afterAll(async () => {
    await second.close();
    await h.close();
  });

  async function tokenFrom(app: typeof second): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: {
        authorization: basic(client.id, client.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    return res.json<{ access_token: string }>().access_token;
  }

  it('publishes the next key before it signs, switches every instance, and keeps the old key published', async () => {
    const first = h.auth.get(SigningKeys);
    const other = second.get(SigningKeys);
    await first.reload();
    await other.reload();
    const oldKid = first.current().kid;
    expect(other.current().kid).toBe(oldKid);
    const oldToken = await tokenFrom(h.auth);

    const nextKid = await first.startRotation();
    await other.reload();
    expect(other.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, nextKid]));
    expect(first.current().kid).toBe(oldKid); // published, not yet signing

    await first.rotateIfDue(Date.now() + 601_000);
    await other.reload(); // what every pod's 30 s refresh does
    expect(other.current().kid).toBe(nextKid);
    const newToken = await tokenFrom(second);

    const jwks = createLocalJWKSet(other.jwks());
    expect((await jwtVerify(oldToken, jwks)).protectedHeader.kid).toBe(oldKid);
    expect((await jwtVerify(newToken, jwks)).protectedHeader.kid).toBe(nextKid);
    const retired = other.jwks().keys.find((k) => k.kid === oldKid);
    expect(retired).toBeDefined();
    // Private parts never reach the JWKS.
    expect(other.jwks().keys.every((k) => k.d === undefined)).toBe(true);
  });

  it('rotates from the command line: the next key is published to running instances, then signs', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runKeysCli(['bogus'], io, h.env)).toBe(2);
    expect(await runKeysCli(['rotate'], io, h.env)).toBe(0);
    const published = /next signing key (\S+) published/.exec(lines.join('\n'));
    expect(published).not.toBeNull();
    const kid = published![1];
    expect(lines.some((l) => l.startsWith(kid) && /\snext\s/.test(l))).toBe(true);
    // Idempotent: a second rotate keeps the waiting key.
    lines.length = 0;
    expect(await runKeysCli(['rotate'], io, h.env)).toBe(0);
    expect(lines[0]).toContain(kid);

    const other = second.get(SigningKeys);
    await other.reload();
    expect(other.jwks().keys.map((k) => k.kid)).toContain(kid);
    expect(other.current().kid).not.toBe(kid);
    await other.rotateIfDue(Date.now() + 601_000);
    await other.reload();
    expect(other.current().kid).toBe(kid);
  });
});
