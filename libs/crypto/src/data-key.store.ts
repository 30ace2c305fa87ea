/** A data key as stored: wrapped by a KEK, never in the clear. */
export interface StoredDataKey {
  readonly keyId: string;
  /** `pk1:<kekId>:…` text from {@link Kek.wrap}. */
  readonly wrapped: string;
  /** Exactly one stored key is current: the one new values are encrypted with. */
  readonly current: boolean;
  readonly createdAt: Date;
}

/**
 * Where a key ring keeps its wrapped data keys (the registry implements it over a table). Every
 * method must be atomic; a key is used for encryption only after `add` has resolved.
 */
export interface DataKeyStore {
  /** Every stored key. */
  list(): Promise<readonly StoredDataKey[]>;
  /** Inserts a key (an existing `keyId` is an error); when `current`, demotes the previous current in the same transaction. */
  add(key: StoredDataKey): Promise<void>;
  /** Replaces a key's wrapped form (KEK rotation) only while it still equals `expected`; false otherwise. */
  rewrap(keyId: string, expected: string, wrapped: string): Promise<boolean>;
  /** Deletes a key that no stored value uses any more; never the current one. */
  remove(keyId: string): Promise<void>;
}

/** An in-process {@link DataKeyStore}: for tests, tools and single-process development. */
export class MemoryDataKeyStore implements DataKeyStore {
  readonly #keys = new Map<string, StoredDataKey>();

  list(): Promise<readonly StoredDataKey[]> {
    return Promise.resolve([...this.#keys.values()]);
  }

  add(key: StoredDataKey): Promise<void> {
    if (this.#keys.has(key.keyId)) {
      return Promise.reject(new Error(`data key ${key.keyId} already exists`));
    }
    if (key.current) {
      for (const [id, k] of this.#keys) this.#keys.set(id, { ...k, current: false });
    }
    this.#keys.set(key.keyId, { ...key });
    return Promise.resolve();
  }

  rewrap(keyId: string, expected: string, wrapped: string): Promise<boolean> {
    const key = this.#keys.get(keyId);
    if (key?.wrapped !== expected) return Promise.resolve(false);
    this.#keys.set(keyId, { ...key, wrapped });
    return Promise.resolve(true);
  }

  remove(keyId: string): Promise<void> {
    if (this.#keys.get(keyId)?.current) {
      return Promise.reject(new Error(`data key ${keyId} is current`));
    }
    this.#keys.delete(keyId);
    return Promise.resolve();
  }
}
