import { PROVIDERS, type ProviderName } from '@libs/provider-clients';
import {
  credentialStore,
  putRequest,
  scratchDatabase,
  secretsOf,
  type ScratchDatabase,
} from '../../test/credentials-fixtures';
import { parsePutCredentials } from './credential-requests';
import type { CredentialsService } from './credentials.service';

const TABLE = 'client_registry.user_oauth_credentials';

/** What `credentials.get` should answer for a put payload's credentials. */
function expected(provider: ProviderName, credentials: Record<string, string>) {
  const { expiresAt, ...rest } = credentials;
  return { provider, ...rest, ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}) };
}

describe('CredentialsService (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let service: CredentialsService;
  const put = (request: object) => service.put(parsePutCredentials(request));
  const get = (userId: string, provider: ProviderName) => service.get({ userId, provider });
  const outboxOf = (userId: string) =>
    db.dataSource.query(
      'SELECT provider, change FROM client_registry.credentials_outbox WHERE user_id = $1 ORDER BY id',
      [userId],
    );

  beforeAll(async () => {
    db = await scratchDatabase();
    ({ service } = await credentialStore(db.dataSource));
  });

  afterAll(async () => {
    await db.drop();
  });

  it.each(PROVIDERS)(
    'stores %s credentials encrypted and answers them decrypted',
    async (provider) => {
      const request = putRequest(provider);
      expect(await put(request)).toMatchObject({
        user_id: request.user_id,
        provider,
        change: 'created',
        is_active: true,
      });
      const stored = await get(request.user_id, provider);
      expect(stored.credentials).toEqual(expected(provider, request.credentials));
      const [row] = await db.dataSource.query(`SELECT * FROM ${TABLE} WHERE user_id = $1`, [
        request.user_id,
      ]);
      const text = JSON.stringify(row);
      for (const secret of secretsOf(request)) expect(text).not.toContain(secret);
      expect(row.key_id).toMatch(/^dk-/);
    },
  );

  it('replaces a row whole (optional fields cleared) but merges only what is given', async () => {
    const request = putRequest('gmail');
    await put(request);
    const { accessToken: _, expiresAt: __, ...required } = request.credentials;
    expect(await put({ ...request, credentials: required, email: null })).toMatchObject({
      change: 'updated',
      email: null,
    });
    expect((await get(request.user_id, 'gmail')).credentials).toEqual(expected('gmail', required));
    const tokens = {
      accessToken: 'fresh-access',
      expiresAt: '2031-01-01T00:00:00.000Z',
      refreshToken: 'rotated',
    };
    await put({
      user_id: request.user_id,
      provider: 'gmail',
      mode: 'merge',
      credentials: tokens,
      is_active: false,
    });
    const merged = await get(request.user_id, 'gmail');
    expect(merged).toMatchObject({ is_active: false, scopes: ['mail.send'] });
    expect(merged.credentials).toEqual(expected('gmail', { ...required, ...tokens }));
    expect(await outboxOf(request.user_id)).toEqual([
      { provider: 'gmail', change: 'created' },
      { provider: 'gmail', change: 'updated' },
      { provider: 'gmail', change: 'updated' },
    ]);
  });

  it('answers 65006 for unknown credentials and for a merge into none; deletes idempotently', async () => {
    const request = putRequest('brickowl');
    await expect(get(request.user_id, 'brickowl')).rejects.toMatchObject({ code: 65006 });
    await expect(put({ ...request, mode: 'merge' })).rejects.toMatchObject({ code: 65006 });
    await put(request);
    expect(await service.delete({ userId: request.user_id, provider: 'brickowl' })).toMatchObject({
      deleted: true,
    });
    expect(await service.delete({ userId: request.user_id, provider: 'brickowl' })).toMatchObject({
      deleted: false,
    });
    await expect(get(request.user_id, 'brickowl')).rejects.toMatchObject({ code: 65006 });
    expect(await outboxOf(request.user_id)).toEqual([
      { provider: 'brickowl', change: 'created' },
      { provider: 'brickowl', change: 'deleted' },
    ]);
  });

  it('refuses a ciphertext copied from another row or column, and still serves the others', async () => {
    const [victim, source] = [putRequest('discogs'), putRequest('discogs')];
    const mail = putRequest('outlook');
    await Promise.all([put(victim), put(source), put(mail)]);
    await db.dataSource.query(
      `UPDATE ${TABLE} SET token = (SELECT token FROM ${TABLE} WHERE user_id = $2 AND provider = 'discogs')
       WHERE user_id = $1 AND provider = 'discogs'`,
      [victim.user_id, source.user_id],
    );
    await expect(get(victim.user_id, 'discogs')).rejects.toMatchObject({
      code: 65014,
      message: `discogs credentials of user ${victim.user_id} cannot be decrypted (token: decrypt_failed)`,
    });
    await db.dataSource.query(
      `UPDATE ${TABLE} SET access_token = refresh_token WHERE user_id = $1 AND provider = 'outlook'`,
      [mail.user_id],
    );
    await expect(get(mail.user_id, 'outlook')).rejects.toMatchObject({ code: 65014 });
    expect((await get(source.user_id, 'discogs')).credentials).toEqual(
      expected('discogs', source.credentials),
    );
    // The damaged row can be repaired by writing it again.
    await put(victim);
    expect((await get(victim.user_id, 'discogs')).credentials).toEqual(
      expected('discogs', victim.credentials),
    );
  });
});
