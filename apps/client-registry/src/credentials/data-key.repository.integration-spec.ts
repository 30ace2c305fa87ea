import { Kek, KekSet, KeyRing } from '@libs/crypto';
import {
  credentialStore,
  kekConfig,
  putRequest,
  scratchDatabase,
  type ScratchDatabase,
} from '../../test/credentials-fixtures';
import { parsePutCredentials } from './credential-requests';
import { DataKeyRepository } from './data-key.repository';

describe('DataKeyRepository (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let keys: DataKeyRepository;
  const keks = () => KekSet.fromConfig(kekConfig());
  const currentIds = async () => (await keys.list()).filter((k) => k.current).map((k) => k.keyId);

  beforeAll(async () => {
    db = await scratchDatabase();
    keys = new DataKeyRepository(db.dataSource);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('lets rings opening at once on an empty store all start, with exactly one current key', async () => {
    const rings = await Promise.all(
      [1, 2, 3].map(() => KeyRing.open(keks(), keys, { refreshMs: 0 })),
    );
    expect(await currentIds()).toHaveLength(1);
    // Every ring reads what any other wrote once it has reloaded.
    const sealed = rings.map((r, i) => r.encrypt(`value ${i}`, ['t']));
    for (const ring of rings) {
      await ring.reload();
      for (const [i, text] of sealed.entries())
        expect(await ring.decryptString(text, ['t'])).toBe(`value ${i}`);
    }
  });

  it('demotes the former current key when a current one is added, and refuses a duplicate id', async () => {
    const ring = await KeyRing.open(keks(), keys, { refreshMs: 0 });
    const before = ring.currentKeyId;
    const next = await ring.rotate();
    expect(await currentIds()).toEqual([next]);
    expect((await keys.list()).map((k) => k.keyId)).toContain(before);
    const stored = (await keys.list()).find((k) => k.keyId === next)!;
    await expect(keys.add({ ...stored, current: false })).rejects.toThrow();
    // Concurrent adds of current keys are serialized: all succeed, the last one wins.
    const kek = keks().current;
    const ids = ['dk-race-1', 'dk-race-2', 'dk-race-3', 'dk-race-4'];
    const added = ids.map((keyId) =>
      keys.add({
        keyId,
        wrapped: kek.wrap(Buffer.alloc(32, 1), keyId),
        current: true,
        createdAt: new Date(),
      }),
    );
    await Promise.all(added);
    expect(ids).toContain((await currentIds())[0]);
    expect(await currentIds()).toHaveLength(1);
    await ring.reload();
    expect(ids).toContain(ring.currentKeyId);
  });

  it('rewraps only while the wrapped key is still the expected one (KEK rotation)', async () => {
    const [stored] = await keys.list();
    const other = new Kek(Buffer.alloc(32, 9));
    const dataKey = keks().unwrap(stored.wrapped, stored.keyId);
    const rewrapped = other.wrap(dataKey, stored.keyId);
    expect(await keys.rewrap(stored.keyId, 'pk1:stale', rewrapped)).toBe(false);
    expect(await keys.rewrap(stored.keyId, stored.wrapped, rewrapped)).toBe(true);
    expect(await keys.rewrap(stored.keyId, rewrapped, stored.wrapped)).toBe(true);
  });

  it('removes an unused key, never the current one nor one that still encrypts a value', async () => {
    const { ring, service } = await credentialStore(db.dataSource);
    const used = ring.currentKeyId;
    await service.put(parsePutCredentials(putRequest('discogs')));
    await expect(keys.remove(used)).rejects.toThrow(`data key ${used} is current`);
    const current = await ring.rotate();
    await expect(keys.remove(used)).rejects.toThrow(
      `data key ${used} still encrypts values in 1 rows`,
    );
    // A row half-way through re-encryption (values under two keys) still counts for both.
    const half = putRequest('gmail');
    await service.put(parsePutCredentials(half));
    await ring.rotate();
    await db.dataSource.query(
      `UPDATE client_registry.user_oauth_credentials SET access_token = $3 WHERE user_id = $1 AND provider = $2`,
      [half.user_id, 'gmail', ring.encrypt('x', ['elsewhere'])],
    );
    await expect(keys.remove(current)).rejects.toThrow(
      `data key ${current} still encrypts values in 1 rows`,
    );
    const unused = await ring.rotate();
    await ring.rotate();
    await keys.remove(unused);
    expect((await keys.list()).map((k) => k.keyId)).not.toContain(unused);
    await expect(keys.remove('dk-never-existed')).resolves.toBeUndefined();
  });
});
