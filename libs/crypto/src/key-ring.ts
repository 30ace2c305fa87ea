import { Logger } from '@nestjs/common';
import { randomBytes, type KeyObject } from 'node:crypto';
import { aesKey, open, seal } from './aead';
import { CryptoError, CryptoErrorCode } from './crypto.errors';
import type { DataKeyStore, StoredDataKey } from './data-key.store';
import { aadOf, formatEnvelope, parseEnvelope, VALUE_FORMAT } from './envelope';
import { KekSet, newDataKey } from './kek';

/** Where a value is stored (table, column, row key…); bound to its ciphertext as AAD. */
export type EncryptionContext = readonly string[];

/** The context of one encrypted column of one row: a ciphertext moved elsewhere fails to decrypt. */
export function fieldContext(
  table: string,
  column: string,
  ...rowKey: string[]
): EncryptionContext {
  return [table, column, ...rowKey];
}

export interface KeyRingOptions {
  /** Re-read the store this often to learn keys other processes added (ms; default 60 000; 0: never). */
  refreshMs?: number;
  /** Least time between store reads triggered by an unknown key id (ms; default 1 000). */
  minReloadIntervalMs?: number;
  now?: () => number;
}

interface LoadedKey {
  readonly key: KeyObject;
  readonly wrapped: string;
}

/**
 * Data keys by id, one current for writes and all readable. Values are AES-256-GCM with a random
 * 96-bit IV, tagged with the key id and bound to their {@link EncryptionContext}.
 */
export class KeyRing {
  private readonly logger = new Logger(KeyRing.name);
  readonly #now: () => number;
  readonly #minReloadMs: number;
  #keys = new Map<string, LoadedKey>();
  #currentKeyId = '';
  #lastReloadAt = 0;
  #reloading: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly keks: KekSet,
    private readonly store: DataKeyStore,
    options: KeyRingOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#minReloadMs = options.minReloadIntervalMs ?? 1_000;
  }

  /** Loads every stored data key (creating the first one when there is none). */
  static async open(
    keks: KekSet,
    store: DataKeyStore,
    options: KeyRingOptions = {},
  ): Promise<KeyRing> {
    const ring = new KeyRing(keks, store, options);
    const stored = await store.list();
    if (stored.length === 0) await ring.rotate();
    else ring.#load(stored, true);
    const refreshMs = options.refreshMs ?? 60_000;
    if (refreshMs > 0) {
      ring.#timer = setInterval(
        () => void ring.reload().catch((e: unknown) => ring.#reloadFailed(e)),
        refreshMs,
      );
      ring.#timer.unref();
    }
    return ring;
  }

  /** The id of the key new values are encrypted with. */
  get currentKeyId(): string {
    return this.#currentKeyId;
  }

  /** Ids of every readable key. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key id a ciphertext was written with. */
  static keyIdOf(ciphertext: string): string {
    return parseEnvelope(VALUE_FORMAT, ciphertext).keyId;
  }

  /** Encrypts under the current key: `pc1:<keyId>:<iv>:<ciphertext>:<tag>`. */
  encrypt(plaintext: string | Buffer, context: EncryptionContext): string {
    const keyId = this.#currentKeyId;
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const sealed = seal(this.#keys.get(keyId)!.key, data, aadOf(VALUE_FORMAT, keyId, context));
    return formatEnvelope(VALUE_FORMAT, keyId, sealed);
  }

  /** Decrypts a value written for `context` under any key of the ring. */
  async decrypt(ciphertext: string, context: EncryptionContext): Promise<Buffer> {
    const envelope = parseEnvelope(VALUE_FORMAT, ciphertext);
    let loaded = this.#keys.get(envelope.keyId);
    if (!loaded) {
      // Another process may have rotated: learn its key before calling the value unreadable.
      await this.#reloadForUnknownKey();
      loaded = this.#keys.get(envelope.keyId);
    }
    if (!loaded) {
      throw new CryptoError(
        CryptoErrorCode.UnknownKey,
        `data key ${envelope.keyId} is not in the key ring`,
      );
    }
    return open(loaded.key, envelope, aadOf(VALUE_FORMAT, envelope.keyId, context));
  }

  /** {@link decrypt} for UTF-8 text. */
  async decryptString(ciphertext: string, context: EncryptionContext): Promise<string> {
    return (await this.decrypt(ciphertext, context)).toString('utf8');
  }

  /** The value encrypted under the current key, or undefined when it already is. */
  async reencrypt(ciphertext: string, context: EncryptionContext): Promise<string | undefined> {
    if (KeyRing.keyIdOf(ciphertext) === this.#currentKeyId) return undefined;
    const plaintext = await this.decrypt(ciphertext, context);
    try {
      return this.encrypt(plaintext, context);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Creates, stores and switches to a new data key; older keys stay readable. Returns its id. */
  async rotate(): Promise<string> {
    const now = this.#now();
    const keyId = newKeyId(now);
    const dataKey = newDataKey();
    try {
      const wrapped = this.keks.current.wrap(dataKey, keyId);
      await this.store.add({ keyId, wrapped, current: true, createdAt: new Date(now) });
      this.#keys.set(keyId, { key: aesKey(dataKey), wrapped });
    } finally {
      dataKey.fill(0);
    }
    this.#currentKeyId = keyId;
    this.logger.log(`data key ${keyId} created and now current`);
    return keyId;
  }

  /** Deletes a key once no stored value uses it (after re-encryption); never the current key. */
  async retire(keyId: string): Promise<void> {
    if (keyId === this.#currentKeyId) {
      throw new CryptoError(CryptoErrorCode.InvalidKey, `data key ${keyId} is current`);
    }
    await this.store.remove(keyId);
    this.#keys.delete(keyId);
    this.logger.log(`data key ${keyId} retired`);
  }

  /** Rewraps every stored data key still wrapped by a former KEK; returns how many moved. */
  async rewrapKeys(): Promise<number> {
    const kek = this.keks.current;
    let moved = 0;
    for (const stored of await this.store.list()) {
      if (KekSet.kekIdOf(stored.wrapped) === kek.id) continue;
      const dataKey = this.keks.unwrap(stored.wrapped, stored.keyId);
      try {
        const wrapped = kek.wrap(dataKey, stored.keyId);
        if (await this.store.rewrap(stored.keyId, stored.wrapped, wrapped)) moved++;
      } finally {
        dataKey.fill(0);
      }
    }
    await this.reload();
    this.logger.log(`${moved} data keys rewrapped with ${kek.id}`);
    return moved;
  }

  /** Re-reads the store (single-flight): new keys become readable, retired ones go. */
  reload(): Promise<void> {
    this.#reloading ??= this.store
      .list()
      .then((stored) => this.#load(stored, false))
      .finally(() => {
        this.#lastReloadAt = this.#now();
        this.#reloading = undefined;
      });
    return this.#reloading;
  }

  /** Stops the periodic refresh. */
  close(): void {
    clearInterval(this.#timer);
  }

  async #reloadForUnknownKey(): Promise<void> {
    if (this.#reloading) return this.#reloading;
    if (this.#now() - this.#lastReloadAt < this.#minReloadMs) return;
    return this.reload();
  }

  /**
   * Replaces the loaded keys with the stored ones, unwrapping only what changed. At boot
   * (`strict`) a key that cannot be unwrapped stops the ring; later it is skipped and logged,
   * and without a usable current key the loaded state is kept as it is.
   */
  #load(stored: readonly StoredDataKey[], strict: boolean): void {
    const next = new Map<string, LoadedKey>();
    for (const s of stored) {
      try {
        const known = this.#keys.get(s.keyId);
        const key =
          known?.wrapped === s.wrapped ? known.key : aesKey(this.keks.unwrap(s.wrapped, s.keyId));
        next.set(s.keyId, { key, wrapped: s.wrapped });
      } catch (error) {
        if (strict) throw error;
        this.#reloadFailed(error);
      }
    }
    const current = stored.length > 0 ? pickCurrent(stored).keyId : undefined;
    if (current === undefined || !next.has(current)) {
      this.#reloadFailed(new Error('no usable current data key in the store'));
      return;
    }
    const previous = this.#currentKeyId;
    this.#keys = next;
    this.#currentKeyId = current;
    if (previous !== current) this.logger.log(`${next.size} data keys loaded; current ${current}`);
  }

  #reloadFailed(error: unknown): void {
    const reason = error instanceof Error ? error.message : 'unknown error';
    this.logger.error(`data key reload: ${reason}`);
  }
}

/** The key flagged current (the newest if several are), else the newest. */
function pickCurrent(stored: readonly StoredDataKey[]): StoredDataKey {
  const flagged = stored.filter((k) => k.current);
  const pool = flagged.length > 0 ? flagged : stored;
  return pool.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
}

/** `dk-<UTC yyyymmddhhmmss>-<random>`: sortable by creation, unique across processes. */
function newKeyId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/\D/g, '').slice(0, 14);
  return `dk-${stamp}-${randomBytes(4).toString('hex')}`;
}
