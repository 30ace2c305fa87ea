import { sha256SecretHash } from '@libs/models';
import type { ProviderName } from '@libs/provider-clients';
import {
  credentialStore,
  putRequest,
  scratchDatabase,
  type ScratchDatabase,
} from '../../test/credentials-fixtures';
import {
  parseListCredentials,
  parsePutCredentials,
  parseSetRelayLogin,
} from './credential-requests';
import type { CredentialsService } from './credentials.service';

const TABLE = 'client_registry.user_oauth_credentials';

// `credentials.list` and `credentials.setRelayLogin` against a scratch database of this file
// only, so a listing sees exactly the rows written here.
describe('CredentialsService list and relay logins (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let service: CredentialsService;
  const put = (request: object) => service.put(parsePutCredentials(request));
  const setLogin = (request: object) => service.setRelayLogin(parseSetRelayLogin(request));
  const list = (request: object) => service.list(parseListCredentials(request));
  const listAll = async (provider: ProviderName, limit: number, relayOnly = false) => {
    const pages = [];
    let after: string | undefined;
    do {
      const page = await list({ provider, limit, relay_only: relayOnly, after });
      pages.push(page);
      after = page.next_after ?? undefined;
    } while (after);
    return pages;
  };

  beforeAll(async () => {
    db = await scratchDatabase();
    ({ service } = await credentialStore(db.dataSource));
  });

  afterAll(async () => {
    await db.drop();
  });

  it('pages through one provider in user_id order, decrypted, with relay logins', async () => {
    const requests = ['u3', 'u1', 'u5', 'u2', 'u4'].map((id) =>
      putRequest('outlook', `list|${id}`),
    );
    for (const request of requests) await put(request);
    await put(putRequest('gmail', 'list|u0'));
    const hash = sha256SecretHash('local-app-password');
    await setLogin({ user_id: 'list|u2', provider: 'outlook', password_hash: hash });
    await setLogin({
      user_id: 'list|u4',
      provider: 'outlook',
      password_hash: hash,
      max_messages_per_hour: 30,
    });

    const pages = await listAll('outlook', 2);
    expect(pages.map((p) => p.items.map((i) => i.user_id))).toEqual([
      ['list|u1', 'list|u2'],
      ['list|u3', 'list|u4'],
      ['list|u5'],
    ]);
    const items = pages.flatMap((p) => p.items);
    const u3 = requests.find((r) => r.user_id === 'list|u3')!;
    expect(items[2]).toMatchObject({
      provider: 'outlook',
      email: u3.email,
      relay: null,
      credentials: { clientId: u3.credentials.clientId, refreshToken: u3.credentials.refreshToken },
    });

    const served = (await listAll('outlook', 100, true)).flatMap((p) => p.items);
    expect(served.map((i) => [i.user_id, i.relay])).toEqual([
      ['list|u2', { password_hash: hash, max_messages_per_hour: null }],
      ['list|u4', { password_hash: hash, max_messages_per_hour: 30 }],
    ]);
  });

  it('names a row that does not decrypt and still answers the rest of the page', async () => {
    const [good, bad] = [putRequest('gmail', 'dec|a'), putRequest('gmail', 'dec|b')];
    await Promise.all([put(good), put(bad)]);
    await db.dataSource.query(
      `UPDATE ${TABLE} SET refresh_token = consumer_secret WHERE user_id = $1 AND provider = 'gmail'`,
      [bad.user_id],
    );
    const page = await list({ provider: 'gmail', after: 'dec|', limit: 10 });
    expect(page.items.map((i) => i.user_id)).toContain(good.user_id);
    expect(page.unreadable).toEqual([
      {
        user_id: bad.user_id,
        provider: 'gmail',
        message: `gmail credentials of user ${bad.user_id} cannot be decrypted (refresh_token: decrypt_failed)`,
      },
    ]);
  });

  it('sets and removes a relay login, keeps it across a replacing put, and publishes changes', async () => {
    const request = putRequest('gmail', 'login|x');
    await put(request);
    const hash = sha256SecretHash('first-password');
    expect(
      await setLogin({
        user_id: request.user_id,
        provider: 'gmail',
        password_hash: hash,
        max_messages_per_hour: 5,
      }),
    ).toMatchObject({ change: 'updated', relay: { max_messages_per_hour: 5 } });
    // Authorizing the mailbox again (a replacing put) must not log local applications out.
    await put({ ...request, credentials: { ...request.credentials, refreshToken: 'rotated' } });
    const [stored] = (await list({ provider: 'gmail', after: 'login|', relay_only: true })).items;
    expect(stored).toMatchObject({ user_id: request.user_id, relay: { password_hash: hash } });
    expect(stored.credentials).toMatchObject({ refreshToken: 'rotated' });

    expect(
      await setLogin({ user_id: request.user_id, provider: 'gmail', password_hash: null }),
    ).toMatchObject({ relay: null });
    expect((await list({ provider: 'gmail', after: 'login|', relay_only: true })).items).toEqual(
      [],
    );
    const changes = await db.dataSource.query(
      'SELECT change FROM client_registry.credentials_outbox WHERE user_id = $1 ORDER BY id',
      [request.user_id],
    );
    expect(changes.map((c: { change: string }) => c.change)).toEqual([
      'created',
      'updated',
      'updated',
      'updated',
    ]);
  });

  it('refuses a relay login for missing credentials, and a plain-text password in the table', async () => {
    const hash = sha256SecretHash('whatever-password');
    await expect(
      setLogin({ user_id: 'nobody', provider: 'outlook', password_hash: hash }),
    ).rejects.toMatchObject({ code: 65006 });
    const request = putRequest('outlook', 'check|x');
    await put(request);
    await expect(
      db.dataSource.query(`UPDATE ${TABLE} SET relay_password_hash = $2 WHERE user_id = $1`, [
        request.user_id,
        'plain-text-password',
      ]),
    ).rejects.toThrow(/check constraint/);
  });
});
