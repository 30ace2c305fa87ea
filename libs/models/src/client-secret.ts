import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of entropy in a generated client secret (256 bits). */
export const CLIENT_SECRET_BYTES = 32;

/** A new client secret: 256 bits from the CSPRNG, base64url (43 characters). */
export function generateClientSecret(): string {
  return randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}

/** `sha256$<lowercase hex of SHA-256(utf8 secret)>`: the stored form of generated secrets. */
export function sha256SecretHash(secret: string): string {
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

const SHA256_HASH = /^sha256\$[0-9a-f]{64}$/;
const ARGON2ID_HASH = /^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** True for the two stored secret formats Portico accepts. */
export function isSecretHash(value: string): boolean {
  return SHA256_HASH.test(value) || ARGON2ID_HASH.test(value);
}

/** Constant-time check of a secret against a `sha256$` hash (false for other formats). */
export function matchesSha256Hash(secret: string, hash: string): boolean {
  if (!SHA256_HASH.test(hash)) return false;
  const expected = Buffer.from(hash.slice(7), 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(expected, actual);
}
