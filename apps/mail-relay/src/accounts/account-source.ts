import type { MailProvider } from '@libs/config';

/** One mailbox the relay sends for, as a source describes it (secrets included). */
export interface AccountDefinition {
  /** The mailbox; also the local AUTH user and the only allowed envelope sender. */
  readonly email: string;
  readonly provider: MailProvider;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** Plain text or a `sha256$…` / `$argon2id$…` hash of the local application's password. */
  readonly localPassword: string;
  /** Per-account hourly budget; the relay's default when absent. */
  readonly maxMessagesPerHour?: number;
  /** The provider's token endpoint when it differs from the configured one. */
  readonly tokenUrl?: string;
}

/** Tokens a refresh produced, handed back to the source that owns the account. */
export interface RefreshedTokens {
  readonly accessToken: string;
  readonly expiresAt: Date;
  readonly refreshToken: string;
}

/**
 * Somewhere accounts come from (the accounts file now, the registry's gmail/outlook
 * credentials later). A source hands over whole snapshots; the registry swaps them in at once.
 */
export interface AccountSource {
  /** Names the source in logs and metrics (`file`, `registry`). */
  readonly name: string;
  /**
   * Loads the first snapshot (rejecting when it cannot: the relay then refuses to start) and
   * calls `onChange` with every later valid snapshot. Invalid updates are logged and skipped.
   */
  start(
    onChange: (accounts: readonly AccountDefinition[]) => void,
  ): Promise<readonly AccountDefinition[]>;
  /** Stores refreshed tokens back, when the source can (the file source cannot). */
  saveTokens?(email: string, tokens: RefreshedTokens): Promise<void>;
  close(): Promise<void>;
}

/** DI token of the account sources, in priority order (the first one wins a duplicate email). */
export const ACCOUNT_SOURCES = Symbol('ACCOUNT_SOURCES');
