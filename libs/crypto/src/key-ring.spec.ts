import { randomBytes } from 'node:crypto';
import { IV_BYTES, TAG_BYTES } from './aead';
import { CryptoError, CryptoErrorCode } from './crypto.errors';
import { MemoryDataKeyStore } from './data-key.store';
import { Kek, KekSet } from './kek';
import { fieldContext, KeyRing } from './key-ring';

const TABLE = 'client_registry.user_oauth_credentials';
const ROW_A = fieldContext(TABLE, 'secret', 'user-a', 'discogs');
const ROW_B = fieldContext(TABLE, 'secret', 'user-b', 'discogs');

const keks = () => new KekSet(new Kek(randomBytes(32)));
const openRing = (store = new MemoryDataKeyStore(), set = keks()) =>
  KeyRing.open(set, store, { refreshMs: 0, minReloadIntervalMs: 0 });

/** The five colon-separated fields of a ciphertext, with the three binary ones decoded. */
function split(ciphertext: string) {
  const [format, keyId, iv, body, tag] = ciphertext.split(':');
  const bytes = (s: string) => Buffer.from(s, 'base64url');
  return { format, keyId, iv: bytes(iv), body: bytes(body), tag: bytes(tag) };
}

function join(p: ReturnType<typeof split>): string {
  return [p.format, p.keyId, p.iv, p.body, p.tag]
    .map((x) => (typeof x === 'string' ? x : x.toString('base64url')))
    .join(':');
}

async function failureOf(promise: Promise<unknown>): Promise<CryptoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CryptoError))
    throw new Error(`expected a CryptoError, got ${String(error)}`);
  return error;
}

describe('KeyRing values', () => {
  it('round-trips text and bytes, tagging each ciphertext with the key id', async () => {
    const ring = await openRing();
    const secret = 'discogs token ✓ ' + randomBytes(8).toString('hex');
    const ciphertext = ring.encrypt(secret, ROW_A);
    expect(ciphertext).toMatch(new RegExp(`^pc1:${ring.currentKeyId}:`));
    expect(ciphertext).not.toContain(secret);
    expect(await ring.decryptString(ciphertext, ROW_A)).toBe(secret);
    const bytes = randomBytes(100);
    expect((await ring.decrypt(ring.encrypt(bytes, ROW_A), ROW_A)).equals(bytes)).toBe(true);
    expect(await ring.decryptString(ring.encrypt('', ROW_A), ROW_A)).toBe('');
    expect(KeyRing.keyIdOf(ciphertext)).toBe(ring.currentKeyId);
  });

  it('rejects every single tampered byte of IV, ciphertext and tag', async () => {
    const ring = await openRing();
    const original = ring.encrypt('a secret of some length', ROW_A);
    const parts = split(original);
    expect(parts.iv).toHaveLength(IV_BYTES);
    expect(parts.tag).toHaveLength(TAG_BYTES);
    let tampered = 0;
    for (const field of ['iv', 'body', 'tag'] as const) {
      for (let i = 0; i < parts[field].length; i++) {
        const copy = { ...parts, [field]: Buffer.from(parts[field]) };
        copy[field][i] ^= 0x01;
        const error = await failureOf(ring.decrypt(join(copy), ROW_A));
        expect(error.code).toBe(CryptoErrorCode.DecryptFailed);
        tampered++;
      }
    }
    expect(tampered).toBe(IV_BYTES + parts.body.length + TAG_BYTES);
    expect(await ring.decryptString(original, ROW_A)).toBe('a secret of some length');
  });

  it('rejects truncated tags, extra fields and non-canonical encodings as malformed', async () => {
    const ring = await openRing();
    const parts = split(ring.encrypt('x', ROW_A));
    const shortTag = join({ ...parts, tag: parts.tag.subarray(0, 12) });
    expect((await failureOf(ring.decrypt(shortTag, ROW_A))).code).toBe(CryptoErrorCode.Malformed);
    const extra = `${join(parts)}:AA`;
    expect((await failureOf(ring.decrypt(extra, ROW_A))).code).toBe(CryptoErrorCode.Malformed);
    const stray = join(parts).replace(/:([^:]*)$/, ':!$1');
    expect((await failureOf(ring.decrypt(stray, ROW_A))).code).toBe(CryptoErrorCode.Malformed);
    expect((await failureOf(ring.decrypt('plaintext', ROW_A))).code).toBe(
      CryptoErrorCode.Malformed,
    );
  });

  it('binds a ciphertext to its row and column: a copy elsewhere does not decrypt', async () => {
    const ring = await openRing();
    const a = ring.encrypt('secret of a', ROW_A);
    for (const elsewhere of [
      ROW_B,
      fieldContext(TABLE, 'refresh_token', 'user-a', 'discogs'),
      fieldContext(TABLE, 'secret', 'user-a', 'brickowl'),
      fieldContext(TABLE, 'secret', 'user-a:discogs'),
    ]) {
      expect((await failureOf(ring.decrypt(a, elsewhere))).code).toBe(
        CryptoErrorCode.DecryptFailed,
      );
    }
  });

  it('rejects a ciphertext relabelled with another key id', async () => {
    const ring = await openRing();
    const first = ring.encrypt('v', ROW_A);
    await ring.rotate();
    const relabelled = join({ ...split(first), keyId: ring.currentKeyId });
    expect((await failureOf(ring.decrypt(relabelled, ROW_A))).code).toBe(
      CryptoErrorCode.DecryptFailed,
    );
  });

  it('repeats no IV over 100 000 encryptions', async () => {
    const ring = await openRing();
    const ivs = new Set<string>();
    for (let i = 0; i < 100_000; i++) ivs.add(ring.encrypt('same value', ROW_A).split(':')[2]);
    expect(ivs.size).toBe(100_000);
  });

  it('names an unknown key id', async () => {
    const ring = await openRing();
    const other = await openRing();
    const error = await failureOf(ring.decrypt(other.encrypt('v', ROW_A), ROW_A));
    expect(error.code).toBe(CryptoErrorCode.UnknownKey);
    expect(error.message).toContain(other.currentKeyId);
  });
});

describe('KeyRing keys', () => {
  it('creates one current key in an empty store and loads it again later', async () => {
    const store = new MemoryDataKeyStore();
    const set = keks();
    const ring = await openRing(store, set);
    const stored = await store.list();
    expect(stored).toEqual([expect.objectContaining({ keyId: ring.currentKeyId, current: true })]);
    expect(stored[0].wrapped).toMatch(new RegExp(`^pk1:${set.current.id}:`));
    const again = await openRing(store, set);
    expect(again.currentKeyId).toBe(ring.currentKeyId);
    expect(await again.decryptString(ring.encrypt('v', ROW_A), ROW_A)).toBe('v');
  });

  it('rotates to a new current key while older values stay readable', async () => {
    const ring = await openRing();
    const first = ring.currentKeyId;
    const old = ring.encrypt('old', ROW_A);
    const second = await ring.rotate();
    expect(second).not.toBe(first);
    expect(KeyRing.keyIdOf(ring.encrypt('new', ROW_A))).toBe(second);
    expect(await ring.decryptString(old, ROW_A)).toBe('old');
    expect(ring.keyIds.sort()).toEqual([first, second].sort());
  });

  it('learns a key another process created when it first meets it', async () => {
    const store = new MemoryDataKeyStore();
    const set = keks();
    const podA = await openRing(store, set);
    const podB = await openRing(store, set);
    await podA.rotate();
    const written = podA.encrypt('from A', ROW_A);
    expect(await podB.decryptString(written, ROW_A)).toBe('from A');
    expect(podB.currentKeyId).toBe(podA.currentKeyId);
  });

  it('refuses to retire the current key and forgets a retired one', async () => {
    const store = new MemoryDataKeyStore();
    const ring = await openRing(store);
    const old = ring.encrypt('v', ROW_A);
    const oldKey = ring.currentKeyId;
    await expect(ring.retire(oldKey)).rejects.toMatchObject({ code: CryptoErrorCode.InvalidKey });
    await ring.rotate();
    await ring.retire(oldKey);
    expect((await store.list()).map((k) => k.keyId)).toEqual([ring.currentKeyId]);
    expect((await failureOf(ring.decrypt(old, ROW_A))).code).toBe(CryptoErrorCode.UnknownKey);
  });

  it('moves data keys to a new KEK while the former KEK is still configured', async () => {
    const store = new MemoryDataKeyStore();
    const oldKek = new Kek(randomBytes(32));
    const before = await openRing(store, new KekSet(oldKek));
    const value = before.encrypt('survives KEK rotation', ROW_A);

    const newKek = new Kek(randomBytes(32));
    const during = await openRing(store, new KekSet(newKek, [oldKek]));
    expect(await during.rewrapKeys()).toBe(1);
    expect(KekSet.kekIdOf((await store.list())[0].wrapped)).toBe(newKek.id);

    const after = await openRing(store, new KekSet(newKek));
    expect(await after.decryptString(value, ROW_A)).toBe('survives KEK rotation');
  });

  it('refuses to open when a stored key is wrapped by a KEK that is not configured', async () => {
    const store = new MemoryDataKeyStore();
    await openRing(store);
    const error = await failureOf(openRing(store));
    expect(error.code).toBe(CryptoErrorCode.KekNotFound);
    expect(error.message).toMatch(/PORTICO_KEK_PREVIOUS/);
  });

  it('skips, on reload, a stored key it cannot unwrap and keeps the others', async () => {
    const store = new MemoryDataKeyStore();
    const set = keks();
    const ring = await openRing(store, set);
    const value = ring.encrypt('v', ROW_A);
    const rotated = await (await openRing(store, set)).rotate();
    const stranger = new Kek(randomBytes(32));
    const wrapped = stranger.wrap(randomBytes(32), 'dk-foreign');
    await store.add({ keyId: 'dk-foreign', wrapped, current: false, createdAt: new Date() });
    await ring.reload();
    expect(ring.currentKeyId).toBe(rotated);
    expect(ring.keyIds).not.toContain('dk-foreign');
    expect(await ring.decryptString(value, ROW_A)).toBe('v');
  });

  it("picks up another process's rotation on its periodic refresh", async () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryDataKeyStore();
      const set = keks();
      const writer = await openRing(store, set);
      const reader = await KeyRing.open(set, store, { refreshMs: 60_000 });
      const rotated = await writer.rotate();
      expect(reader.currentKeyId).not.toBe(rotated);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(reader.currentKeyId).toBe(rotated);
      reader.close();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('Kek', () => {
  it('binds a wrapped data key to its key id', () => {
    const kek = new Kek(randomBytes(32));
    const dataKey = randomBytes(32);
    const wrapped = kek.wrap(dataKey, 'dk-1');
    expect(kek.unwrap(wrapped, 'dk-1').equals(dataKey)).toBe(true);
    expect(() => kek.unwrap(wrapped, 'dk-2')).toThrow(
      expect.objectContaining({ code: CryptoErrorCode.DecryptFailed }),
    );
  });

  it('rejects keys that are not 32 bytes and key ids outside the safe alphabet', () => {
    expect(() => new Kek(randomBytes(16))).toThrow(
      expect.objectContaining({ code: CryptoErrorCode.InvalidKey }),
    );
    expect(() => new Kek(randomBytes(32)).wrap(randomBytes(32), 'a:b')).toThrow(
      expect.objectContaining({ code: CryptoErrorCode.InvalidKey }),
    );
  });
});
