import type { Sealed } from './aead';
import { CryptoError, CryptoErrorCode } from './crypto.errors';

/** Prefix of a value encrypted under a data key: `pc1:<keyId>:<iv>:<ciphertext>:<tag>`. */
export const VALUE_FORMAT = 'pc1';
/** Prefix of a data key wrapped by a KEK: `pk1:<kekId>:<iv>:<ciphertext>:<tag>`. */
export const WRAPPED_KEY_FORMAT = 'pk1';

/** Key ids are safe in the text format, in SQL, in logs and in metric labels. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A parsed envelope: which format, which key, and the sealed parts. */
export interface Envelope extends Sealed {
  readonly format: string;
  readonly keyId: string;
}

export function assertKeyId(keyId: string): void {
  if (!KEY_ID.test(keyId)) {
    throw new CryptoError(CryptoErrorCode.InvalidKey, 'key ids are 1-64 of [A-Za-z0-9_-]');
  }
}

/** Serializes sealed parts as text (base64url fields separated by colons). */
export function formatEnvelope(format: string, keyId: string, sealed: Sealed): string {
  const { iv, ciphertext, tag } = sealed;
  return [format, keyId, iv, ciphertext, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join(':');
}

/** Parses text produced by {@link formatEnvelope} for `format`. */
export function parseEnvelope(format: string, text: string): Envelope {
  const parts = text.split(':');
  if (parts.length !== 5 || parts[0] !== format || !KEY_ID.test(parts[1])) {
    throw new CryptoError(CryptoErrorCode.Malformed, `not a ${format} ciphertext`);
  }
  const [iv, ciphertext, tag] = parts.slice(2).map((p) => Buffer.from(p, 'base64url'));
  // Node's decoder skips stray characters; only the canonical spelling of the bytes is accepted.
  if (![iv, ciphertext, tag].every((b, i) => b.toString('base64url') === parts[i + 2])) {
    throw new CryptoError(CryptoErrorCode.Malformed, `not a ${format} ciphertext`);
  }
  return { format, keyId: parts[1], iv, ciphertext, tag };
}

/**
 * Additional authenticated data: the format, the key id and the caller's context (for values:
 * table, column and row key). A JSON array keeps the parts unambiguous (`["a:b"]` ≠ `["a","b"]`).
 */
export function aadOf(format: string, keyId: string, context: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify([format, keyId, ...context]), 'utf8');
}
