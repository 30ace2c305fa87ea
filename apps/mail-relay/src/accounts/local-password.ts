import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import { isSecretHash, matchesSha256Hash } from '@libs/models';

/** Per-process key: the in-memory digests are useless outside this process. */
const PROCESS_KEY = randomBytes(32);

/** Keyed digest of a secret, for constant-time comparison and change detection. */
export function digestOf(value: string): Buffer {
  return createHmac('sha256', PROCESS_KEY).update(value, 'utf8').digest();
}

const sameDigest = (a: Buffer, b: Buffer) => timingSafeEqual(a, b);

/**
 * A local application's password, never kept in clear: a plain-text password from the
 * accounts file is reduced to a keyed digest at load; an argon2id hash is verified once per
 * distinct password and the success cached as a digest (so pooled senders do not pay for
 * argon2 on every connection).
 */
export class LocalPassword {
  /** Digest of the stored form, to tell whether a reload changed the password. */
  readonly storedDigest: Buffer;
  #verified: Buffer | undefined;

  private constructor(
    private readonly kind: 'digest' | 'sha256' | 'argon2id',
    private readonly stored: string | Buffer,
    storedDigest: Buffer,
  ) {
    this.storedDigest = storedDigest;
  }

  /** From the file's `local_password`: plain text or a `sha256$` / `$argon2id$` hash. */
  static from(value: string): LocalPassword {
    const storedDigest = digestOf(value);
    if (!isSecretHash(value)) return new LocalPassword('digest', storedDigest, storedDigest);
    return new LocalPassword(
      value.startsWith('sha256$') ? 'sha256' : 'argon2id',
      value,
      storedDigest,
    );
  }

  /** A digest that matches no password: lets unknown users cost as much as known ones. */
  static readonly decoy = new LocalPassword(
    'digest',
    digestOf(randomBytes(16).toString('hex')),
    Buffer.alloc(32),
  );

  async verify(candidate: string): Promise<boolean> {
    switch (this.kind) {
      case 'digest':
        return sameDigest(digestOf(candidate), this.stored as Buffer);
      case 'sha256':
        return matchesSha256Hash(candidate, this.stored as string);
      case 'argon2id':
        return this.verifyArgon2(candidate);
    }
  }

  private async verifyArgon2(candidate: string): Promise<boolean> {
    const digest = digestOf(candidate);
    if (this.#verified && sameDigest(digest, this.#verified)) return true;
    const ok = await verifyArgon2(this.stored as string, candidate).catch(() => false);
    if (ok) this.#verified = digest;
    return ok;
  }
}
