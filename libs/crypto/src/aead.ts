import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { CryptoError, CryptoErrorCode } from './crypto.errors';

export const KEY_BYTES = 32;
/** 96-bit IVs: GCM's native size (no extra GHASH step), random per value. */
export const IV_BYTES = 12;
/** Full 128-bit tags only: Node would otherwise accept tags truncated to as little as 4 bytes. */
export const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** The three parts of one AES-256-GCM encryption. */
export interface Sealed {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/** A 256-bit AES key as a KeyObject (which does not print its bytes). */
export function aesKey(bytes: Buffer): KeyObject {
  if (bytes.length !== KEY_BYTES) {
    throw new CryptoError(CryptoErrorCode.InvalidKey, `a key must be ${KEY_BYTES} bytes`);
  }
  return createSecretKey(bytes);
}

/** Encrypts `plaintext` under `key` with a fresh random IV, authenticating `aad` too. */
export function seal(key: KeyObject, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Decrypts and authenticates; any mismatch of key, AAD or bytes fails the same way. */
export function open(key: KeyObject, sealed: Sealed, aad: Buffer): Buffer {
  if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
    throw new CryptoError(CryptoErrorCode.Malformed, 'IV or tag of the wrong size');
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (cause) {
    throw new CryptoError(CryptoErrorCode.DecryptFailed, 'decryption failed', { cause });
  }
}
