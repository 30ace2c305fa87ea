import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { EntityManager } from 'typeorm';
import { KekConfig, TokenConfig } from '@libs/config';
import { KekSet } from '@libs/crypto';
import { OAuthError } from '../token/oauth.error';
import { JwtSigner, type SigningAlgorithm } from './jwt-signer';
import { SigningKeyRepository, type StoredSigningKey } from './signing-key.repository';

const RELOAD_MS = 30_000;
/** Longest token lifetime a client can have: retired keys stay published this long. */
const LONGEST_TOKEN_LIFETIME_MS = 86_400_000;

export interface PublishedJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

/**
 * The signing keys of this issuer, kept in PostgreSQL with private parts wrapped by the KEK.
 * Rotation (run by every pod under an advisory lock, and on demand): a `next` key is published
 * in JWKS `KEY_PUBLISH_AHEAD` seconds before it becomes `current`; the former key stays
 * published, `retired`, for the longest token lifetime. Every pod reloads every 30 s, so all
 * sign with the new key without a restart.
 */
@Injectable()
export class SigningKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SigningKeys.name);
  private readonly keks: KekSet;
  private signer: JwtSigner | undefined;
  private document: { keys: PublishedJwk[] } = { keys: [] };
  private verifyKeys = new Map<string, KeyObject>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly config: TokenConfig,
    kek: KekConfig,
  ) {
    this.keks = KekSet.fromConfig(kek);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.rotateIfDue();
    await this.reload();
    this.timer = setInterval(() => {
      this.rotateIfDue()
        .then(() => this.reload())
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'signing key refresh failed; keeping the loaded keys'),
        );
    }, RELOAD_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The signer of the current key; 503 while no key is loaded. */
  current(): JwtSigner {
    if (!this.signer) throw OAuthError.unavailable('no signing key is available yet');
    return this.signer;
  }

  /** The JWKS document: next, current and retired public keys. */
  jwks(): { keys: PublishedJwk[] } {
    return this.document;
  }

  /** A published public key by kid (introspection verifies with it). */
  verificationKey(kid: string): KeyObject | undefined {
    return this.verifyKeys.get(kid);
  }

  /** Starts a rotation now: publishes a next key (it signs after KEY_PUBLISH_AHEAD). */
  async startRotation(): Promise<string> {
    const kid = await this.repository.withRotationLock(async (manager) => {
      const keys = await this.repository.all(manager);
      return keys.find((k) => k.state === 'next')?.kid ?? (await this.create(manager, 'next'));
    });
    await this.reload();
    return kid;
  }

  /** One rotation step; idempotent, safe to run from every pod. */
  async rotateIfDue(now = Date.now()): Promise<void> {
    await this.repository.withRotationLock(async (manager) => {
      await this.repository.deleteRemoved(manager);
      const keys = await this.repository.all(manager);
      const current = keys.find((k) => k.state === 'current');
      const next = keys.find((k) => k.state === 'next');
      if (!current) {
        await this.create(manager, 'current');
      } else if (next && next.created_at.getTime() + this.config.keyPublishAhead * 1000 <= now) {
        await this.repository.promote(manager, next.kid, new Date(now + LONGEST_TOKEN_LIFETIME_MS));
        this.logger.log(`signing key ${next.kid} is now current; ${current.kid} retired`);
      } else if (
        !next &&
        this.config.keyRotateAfter > 0 &&
        (current.activated_at?.getTime() ?? 0) + this.config.keyRotateAfter * 1000 <= now
      ) {
        await this.create(manager, 'next');
      }
    });
  }

  /** Loads the published keys; the current private key is unwrapped into a signer. */
  async reload(): Promise<void> {
    const keys = await this.repository.published();
    const current = keys.find((k) => k.state === 'current');
    this.signer = current ? this.signerOf(current) : undefined;
    this.document = {
      keys: keys.map((k) => ({ ...k.public_jwk, kid: k.kid, alg: k.alg, use: 'sig' as const })),
    };
    this.verifyKeys = new Map(
      keys.map((k) => [k.kid, createPublicKey({ key: k.public_jwk, format: 'jwk' })]),
    );
  }

  private signerOf(key: StoredSigningKey): JwtSigner {
    if (this.signer?.kid === key.kid) return this.signer;
    const der = this.keks.unwrap(key.private_key_enc, key.kid);
    return new JwtSigner(
      key.kid,
      key.alg,
      createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    );
  }

  private async create(manager: EntityManager, state: 'next' | 'current'): Promise<string> {
    const alg = this.config.alg;
    const { privateKey, publicKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    await this.repository.insert(manager, {
      kid,
      alg,
      public_jwk: publicJwk,
      private_key_enc: this.keks.current.wrap(der, kid),
      state,
      activated_at: state === 'current' ? new Date() : null,
    });
    this.logger.log(`signing key ${kid} (${alg}) created as ${state}`);
    return kid;
  }
}
