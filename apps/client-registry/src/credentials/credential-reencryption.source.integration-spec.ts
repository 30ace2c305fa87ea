import { reencryptAll, type KeyRing } from '@libs/crypto';
import { PROVIDERS, type ProviderName } from '@libs/provider-clients';
import {
  credentialStore,
  putRequest,
  scratchDatabase,
  type ScratchDatabase,
} from '../../test/credentials-fixtures';
import { parsePutCredentials } from './credential-requests';
import { CredentialReencryptionSource } from './credential-reencryption.source';
import type { CredentialsService } from './credentials.service';

const TABLE = 'client_registry.user_oauth_credentials';

describe('CredentialReencryptionSource (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let ring: KeyRing;
  let service: CredentialsService;
  let source: CredentialReencryptionSource;
  const stored = new Map<string, { userId: string; provider: ProviderName; credentials: object }>();

  async function putMany(count: number, userPrefix: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      const provider = PROVIDERS[i % PROVIDERS.length];
      const request = putRequest(provider, `${userPrefix}/${i % 3}/${i}`);
      await service.put(parsePutCredentials(request));
      const { credentials } = await service.get({ userId: request.user_id, provider });
      stored.set(`${request.user_id}:${provider}`, {
        userId: request.user_id,
        provider,
        credentials,
      });
    }
  }

  async function expectAllReadable(): Promise<void> {
    for (const { userId, provider, credentials } of stored.values()) {
      expect((await service.get({ userId, provider })).credentials).toEqual(credentials);
    }
  }

  const keyIds = async () =>
    (await db.dataSource.query(`SELECT DISTINCT key_id FROM ${TABLE}`)).map(
      (r: { key_id: string }) => r.key_id,
    );

  beforeAll(async () => {
    db = await scratchDatabase();
    ({ ring, service } = await credentialStore(db.dataSource));
    source = new CredentialReencryptionSource(db.dataSource);
  });

  afterAll(async () => {
    await db.drop();
  });

  it.each([1, 2, 3, 50])(
    'moves every value to a new key in pages of %i, then finds nothing',
    async (batchSize) => {
      await putMany(11, `pages-${batchSize}`);
      const target = await ring.rotate();
      const report = await reencryptAll(ring, source, { batchSize });
      expect(report).toMatchObject({ targetKeyId: target, changedConcurrently: 0, failed: [] });
      expect(report.reencrypted).toBeGreaterThan(0);
      expect(report.reencrypted).toBe(report.scanned);
      expect(await keyIds()).toEqual([target]);
      await expectAllReadable();
      expect(await reencryptAll(ring, source, { batchSize })).toMatchObject({
        scanned: 0,
        reencrypted: 0,
      });
    },
  );

  it('resumes an interrupted pass by running it again', async () => {
    await putMany(7, 'resume');
    const target = await ring.rotate();
    let budget = 5;
    const failing = {
      scan: source.scan.bind(source),
      replace: async (...args: Parameters<CredentialReencryptionSource['replace']>) => {
        if (budget-- === 0) throw new Error('interrupted');
        return source.replace(...args);
      },
    };
    await expect(reencryptAll(ring, failing, { batchSize: 4 })).rejects.toThrow('interrupted');
    // Half-moved rows hold values under two keys; key_id says so.
    expect(await keyIds()).toEqual(expect.arrayContaining([target]));
    expect((await keyIds()).length).toBeGreaterThan(1);
    await expectAllReadable();
    const rest = await reencryptAll(ring, source, { batchSize: 4 });
    expect(rest.failed).toEqual([]);
    expect(await keyIds()).toEqual([target]);
    await expectAllReadable();
  });

  it('leaves a value rewritten meanwhile alone, and reports an unreadable one by ref', async () => {
    const [changed, swapped] = [putRequest('discogs', 'race/a'), putRequest('brickowl', 'race/b')];
    await service.put(parsePutCredentials(changed));
    await service.put(parsePutCredentials(swapped));
    await db.dataSource.query(`UPDATE ${TABLE} SET api_key = $2 WHERE user_id = $1`, [
      swapped.user_id,
      ring.encrypt('k', ['somewhere else']),
    ]);
    const target = await ring.rotate();
    const racing = {
      scan: source.scan.bind(source),
      replace: async (...args: Parameters<CredentialReencryptionSource['replace']>) => {
        if (args[0].ref.startsWith('race/a/')) await service.put(parsePutCredentials(changed));
        return source.replace(...args);
      },
    };
    // Pages of one: the unreadable value must not end the pass before the rows after it.
    const report = await reencryptAll(ring, racing, { batchSize: 1 });
    expect(report.changedConcurrently).toBe(1);
    expect(report.failed).toEqual([{ ref: 'race/b/brickowl/api_key', code: 'decrypt_failed' }]);
    expect(
      (await service.get({ userId: changed.user_id, provider: 'discogs' })).credentials,
    ).toMatchObject({
      token: changed.credentials.token,
    });
    const left = await db.dataSource.query(
      `SELECT user_id FROM ${TABLE} WHERE key_id IS DISTINCT FROM $1`,
      [target],
    );
    expect(left).toEqual([{ user_id: swapped.user_id }]);
  });
});
