import { createHmac, randomBytes, type KeyObject } from 'node:crypto';
import type { KekConfig } from '@libs/config';
import { aesKey, KEY_BYTES, open, seal } from './aead';
import { CryptoError, CryptoErrorCode } from './crypto.errors';
import { aadOf, assertKeyId, formatEnvelope, parseEnvelope, WRAPPED_KEY_FORMAT } from './envelope';

/** A key-encryption key: wraps and unwraps data keys, binding each to its key id. */
export class Kek {
  /** A fingerprint of the key (one-way): which KEK wrapped a stored data key. */
  readonly id: string;
  readonly #key: KeyObject;

  constructor(bytes: Buffer) {
    this.#key = aesKey(bytes);
    const fingerprint = createHmac('sha256', bytes).update('portico kek id').digest('hex');
    this.id = `kek-${fingerprint.slice(0, 16)}`;
  }

  /** Encrypts a data key; the result only unwraps under the same `keyId`. */
  wrap(dataKey: Buffer, keyId: string): string {
    assertKeyId(keyId);
    const sealed = seal(this.#key, dataKey, aadOf(WRAPPED_KEY_FORMAT, this.id, [keyId]));
    return formatEnvelope(WRAPPED_KEY_FORMAT, this.id, sealed);
  }

  /** Decrypts a data key wrapped by this KEK for `keyId`. */
  unwrap(wrapped: string, keyId: string): Buffer {
    const envelope = parseEnvelope(WRAPPED_KEY_FORMAT, wrapped);
    if (envelope.keyId !== this.id) {
      throw new CryptoError(
        CryptoErrorCode.KekNotFound,
        `data key ${keyId} is not wrapped by ${this.id}`,
      );
    }
    return open(this.#key, envelope, aadOf(WRAPPED_KEY_FORMAT, this.id, [keyId]));
  }
}

/** The current KEK (wraps new data keys) and former ones (unwrap only, during KEK rotation). */
export class KekSet {
  readonly #byId: ReadonlyMap<string, Kek>;

  constructor(
    readonly current: Kek,
    previous: readonly Kek[] = [],
  ) {
    this.#byId = new Map([...previous, current].map((k) => [k.id, k]));
  }

  /** The KEKs of the `PORTICO_KEK*` configuration. */
  static fromConfig(config: KekConfig): KekSet {
    return new KekSet(
      new Kek(config.current),
      config.previous.map((k) => new Kek(k)),
    );
  }

  /** Which KEK wrapped `wrapped`. */
  static kekIdOf(wrapped: string): string {
    return parseEnvelope(WRAPPED_KEY_FORMAT, wrapped).keyId;
  }

  /** Unwraps with whichever configured KEK wrapped the key. */
  unwrap(wrapped: string, keyId: string): Buffer {
    const kekId = KekSet.kekIdOf(wrapped);
    const kek = this.#byId.get(kekId);
    if (!kek) {
      throw new CryptoError(
        CryptoErrorCode.KekNotFound,
        `data key ${keyId} is wrapped by ${kekId}, which is not configured (PORTICO_KEK_PREVIOUS?)`,
      );
    }
    return kek.unwrap(wrapped, keyId);
  }
}

/** A fresh random 256-bit data key. */
export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);
