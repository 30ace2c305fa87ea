import { randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { MemoryDataKeyStore } from './data-key.store';
import { Kek, KekSet } from './kek';
import { fieldContext, KeyRing, type EncryptionContext } from './key-ring';
import { reencryptAll, type EncryptedField, type ReencryptionSource } from './reencryption';

interface Row {
  context: EncryptionContext;
  ciphertext: string;
}

/** A table of encrypted values whose every access yields, so readers and writers interleave. */
class MemoryTable implements ReencryptionSource {
  readonly rows = new Map<string, Row>();

  async scan(currentKeyId: string, afterRef: string | undefined, limit: number) {
    await tick();
    return [...this.rows.entries()]
      .filter(
        ([ref, row]) =>
          (afterRef === undefined || ref > afterRef) &&
          KeyRing.keyIdOf(row.ciphertext) !== currentKeyId,
      )
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([ref, row]): EncryptedField => ({ ref, ...row }));
  }

  async replace(field: EncryptedField, next: string): Promise<boolean> {
    await tick();
    const row = this.rows.get(field.ref)!;
    if (row.ciphertext !== field.ciphertext) return false;
    row.ciphertext = next;
    return true;
  }

  keyIds(): Set<string> {
    return new Set([...this.rows.values()].map((r) => KeyRing.keyIdOf(r.ciphertext)));
  }
}

const ROWS = 400;
const refOf = (i: number) => `user-${String(i).padStart(4, '0')}/discogs/token`;
const contextOf = (i: number) =>
  fieldContext('client_registry.user_oauth_credentials', 'token', `user-${i}`, 'discogs');

describe('re-encryption to a new key while the service keeps working', () => {
  it('moves every value to the new key id with no value lost or unreadable', async () => {
    const store = new MemoryDataKeyStore();
    const keks = new KekSet(new Kek(randomBytes(32)));
    const options = { refreshMs: 0, minReloadIntervalMs: 0 };
    const service = await KeyRing.open(keks, store, options);
    const oldKey = service.currentKeyId;
    const table = new MemoryTable();
    const expected = new Map<string, string>();
    const write = (i: number, value: string) => {
      expected.set(refOf(i), value);
      table.rows.set(refOf(i), {
        context: contextOf(i),
        ciphertext: service.encrypt(value, contextOf(i)),
      });
    };
    for (let i = 0; i < ROWS; i++) write(i, `token-${i}`);

    // The service reads (and sometimes writes) for as long as the re-encryption runs.
    let running = true;
    let reads = 0;
    const failures: unknown[] = [];
    const reader = (async () => {
      for (let n = 0; running || n < ROWS; n++) {
        const i = n % ROWS;
        const row = table.rows.get(refOf(i))!;
        const want = expected.get(refOf(i));
        try {
          expect(await service.decryptString(row.ciphertext, row.context)).toBe(want);
          reads++;
        } catch (error) {
          failures.push(error);
        }
        if (n % 7 === 0) write((n * 13) % ROWS, `updated-${n}`); // still on the service's current key
        await tick();
      }
    })();

    // The command runs in its own process: its own key ring over the same store.
    const command = await KeyRing.open(keks, store, options);
    const newKey = await command.rotate();
    const first = await reencryptAll(command, table, { batchSize: 32 });
    expect(first.targetKeyId).toBe(newKey);
    expect(first.failed).toEqual([]);
    expect(first.reencrypted).toBeGreaterThan(ROWS / 2);

    // Once every process has reloaded, nothing writes with the old key; a second pass finishes.
    await service.reload();
    running = false;
    await reader;
    await reencryptAll(command, table);
    expect(table.keyIds()).toEqual(new Set([newKey]));

    await command.retire(oldKey);
    await service.reload();
    expect(service.keyIds).toEqual([newKey]);
    for (let i = 0; i < ROWS; i++) {
      const row = table.rows.get(refOf(i))!;
      expect(await service.decryptString(row.ciphertext, row.context)).toBe(expected.get(refOf(i)));
    }
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(ROWS);
  });

  it('reports values it cannot decrypt and leaves them untouched', async () => {
    const store = new MemoryDataKeyStore();
    const ring = await KeyRing.open(new KekSet(new Kek(randomBytes(32))), store, { refreshMs: 0 });
    const table = new MemoryTable();
    table.rows.set(refOf(1), {
      context: contextOf(1),
      ciphertext: ring.encrypt('ok', contextOf(1)),
    });
    const misplaced = ring.encrypt('copied from row 3', contextOf(3));
    table.rows.set(refOf(2), { context: contextOf(2), ciphertext: misplaced });
    await ring.rotate();
    const report = await reencryptAll(ring, table);
    expect(report).toMatchObject({ scanned: 2, reencrypted: 1, changedConcurrently: 0 });
    expect(report.failed).toEqual([{ ref: refOf(2), code: 'decrypt_failed' }]);
    expect(table.rows.get(refOf(2))!.ciphertext).toBe(misplaced);
  });
});
