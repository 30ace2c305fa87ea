import type { MailProvider } from '@libs/config';
import { Semaphore } from '../limits/semaphore';
import { TokenBucket } from '../limits/token-bucket';
import type { AccountDefinition } from './account-source';
import { digestOf, LocalPassword } from './local-password';

/** Limits that survive a change of an account's credentials (same mailbox, same budget). */
export interface AccountLimits {
  readonly bucket: TokenBucket | undefined;
  readonly slots: Semaphore;
}

type OAuthCredentials = Pick<
  AccountDefinition,
  'clientId' | 'clientSecret' | 'refreshToken' | 'tokenUrl'
>;

/** Digest of what an OAuth2 token source is built from: a change means a new source. */
export function credentialDigest(
  d: OAuthCredentials & Pick<AccountDefinition, 'provider'>,
): Buffer {
  return digestOf(
    JSON.stringify([d.provider, d.clientId, d.clientSecret, d.refreshToken, d.tokenUrl ?? '']),
  );
}

/**
 * One generation of an account as the relay serves it. Deliveries hold it (`enter`/`leave`);
 * once retired by a reload and idle, its token source and upstream pool are released.
 */
export class AccountRuntime {
  readonly email: string;
  readonly provider: MailProvider;
  #credentials: OAuthCredentials;
  #credentialDigest: Buffer;
  password: LocalPassword;
  limits: AccountLimits;
  #inFlight = 0;
  #retired = false;
  #disposed = false;
  readonly #onDispose: (() => void)[] = [];

  constructor(
    definition: AccountDefinition,
    readonly source: string,
    limits: AccountLimits,
  ) {
    this.email = definition.email;
    this.provider = definition.provider;
    const { clientId, clientSecret, refreshToken, tokenUrl } = definition;
    this.#credentials = { clientId, clientSecret, refreshToken, tokenUrl };
    this.#credentialDigest = credentialDigest(definition);
    this.password = LocalPassword.from(definition.localPassword);
    this.limits = limits;
  }

  get credentials(): OAuthCredentials {
    return this.#credentials;
  }

  get credentialDigest(): Buffer {
    return this.#credentialDigest;
  }

  /**
   * The provider rotated the refresh token and the account's source stored the new one: its
   * next snapshot carries it, which is no change of credentials (the token source has it).
   */
  adoptRefreshToken(refreshToken: string): void {
    this.#credentials = { ...this.#credentials, refreshToken };
    this.#credentialDigest = credentialDigest({ provider: this.provider, ...this.#credentials });
  }

  get retired(): boolean {
    return this.#retired;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Takes over a reloaded definition with the same credentials (password, budget). */
  update(definition: AccountDefinition, perHour: number): void {
    if (!digestOf(definition.localPassword).equals(this.password.storedDigest)) {
      this.password = LocalPassword.from(definition.localPassword);
    }
    this.limits = { ...this.limits, bucket: resizeBucket(this.limits.bucket, perHour) };
  }

  /** Registers cleanup for when this generation is retired and idle. */
  onDispose(fn: () => void): void {
    if (this.#disposed) fn();
    else this.#onDispose.push(fn);
  }

  enter(): void {
    this.#inFlight++;
  }

  leave(): void {
    this.#inFlight--;
    if (this.#retired && this.#inFlight === 0) this.dispose();
  }

  /** The account left the configuration (or changed credentials): stop once idle. */
  retire(): void {
    this.#retired = true;
    if (this.#inFlight === 0) this.dispose();
  }

  private dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const fn of this.#onDispose.splice(0)) fn();
  }
}

/** A bucket for `perHour` (none when 0: unlimited), keeping what was spent. */
export function resizeBucket(
  bucket: TokenBucket | undefined,
  perHour: number,
): TokenBucket | undefined {
  if (perHour === 0) return undefined;
  if (!bucket) return new TokenBucket(perHour);
  if (bucket.capacity !== perHour) bucket.resize(perHour);
  return bucket;
}
