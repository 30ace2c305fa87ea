import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verify as argon2Verify } from '@node-rs/argon2';
import { matchesSha256Hash, sha256SecretHash } from '@libs/models';
import type { AuthClient } from './auth-client';

// Compared against when the client is unknown, so that path costs what a wrong secret costs.
const DUMMY_HASH = sha256SecretHash(randomBytes(32).toString('hex'));

/**
 * Checks a presented secret against a client's stored hashes in constant time: `sha256$` for
 * generated secrets, `$argon2id$` for imported ones (verified once, then remembered as an HMAC
 * under a per-process key inside the cached client).
 */
@Injectable()
export class SecretVerifier {
  private readonly hmacKey = randomBytes(32);

  /** True when `secret` matches the current secret, the API key, or the previous secret in its grace period. */
  async verify(client: AuthClient | undefined, secret: string, now = Date.now()): Promise<boolean> {
    if (!client) {
      matchesSha256Hash(secret, DUMMY_HASH);
      return false;
    }
    const hashes = [...client.secretHashes];
    if (client.previousSecretHash && now < client.previousSecretExpiresAt)
      hashes.push(client.previousSecretHash);
    let matched = false;
    // Every hash is compared (no early exit) so timing does not tell which one matched.
    for (const hash of hashes) {
      matched = (await this.matches(client, secret, hash)) || matched;
    }
    return matched;
  }

  private async matches(client: AuthClient, secret: string, hash: string): Promise<boolean> {
    if (hash.startsWith('sha256$')) return matchesSha256Hash(secret, hash);
    if (!hash.startsWith('$argon2id$')) return false;
    const mac = createHmac('sha256', this.hmacKey)
      .update(hash)
      .update('\0')
      .update(secret)
      .digest('hex');
    for (const known of client.verifiedSecrets) {
      if (timingSafeEqual(Buffer.from(known, 'hex'), Buffer.from(mac, 'hex'))) return true;
    }
    const ok = await argon2Verify(hash, secret).catch(() => false);
    if (ok && client.verifiedSecrets.size < 4) client.verifiedSecrets.add(mac);
    return ok;
  }
}
