import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { MAIL_PROVIDERS, MailAccountsConfig, MailLimitsConfig } from '@libs/config';
import { Semaphore } from '../limits/semaphore';
import { RelayMetrics } from '../relay/relay.metrics';
import { AccountRuntime, credentialDigest, resizeBucket } from './account-runtime';
import {
  ACCOUNT_SOURCES,
  type AccountDefinition,
  type AccountSource,
  type RefreshedTokens,
} from './account-source';
import { LocalPassword } from './local-password';

interface Entry {
  readonly definition: AccountDefinition;
  readonly source: string;
}

/**
 * The accounts the relay serves, merged from every source and looked up in O(1) by mailbox.
 * Each reload builds a new map and swaps it in with one assignment: a lookup sees the old
 * or the new configuration, never a mix. Unchanged accounts keep their runtime (token
 * cache, pool, budget); removed ones are retired once their deliveries finish.
 */
@Injectable()
export class AccountRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AccountRegistry.name);
  #accounts = new Map<string, AccountRuntime>();
  readonly #snapshots = new Map<string, readonly AccountDefinition[]>();

  constructor(
    @Inject(ACCOUNT_SOURCES) private readonly sources: AccountSource[],
    private readonly config: MailAccountsConfig,
    private readonly limits: MailLimitsConfig,
    private readonly metrics: RelayMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const source of this.sources) {
      const first = await source.start((accounts) => this.apply(source.name, accounts));
      this.apply(source.name, first);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }

  /** The account of a mailbox (any case), if served. */
  get(email: string): AccountRuntime | undefined {
    return this.#accounts.get(email.toLowerCase());
  }

  get size(): number {
    return this.#accounts.size;
  }

  /** The account whose local credentials these are; unknown users cost the same as known ones. */
  async authenticate(username: string, password: string): Promise<AccountRuntime | undefined> {
    const account = this.get(username);
    const ok = await (account?.password ?? LocalPassword.decoy).verify(password);
    return ok && account ? account : undefined;
  }

  /** Hands refreshed tokens to the source that owns the account, when it stores them. */
  async saveTokens(account: AccountRuntime, tokens: RefreshedTokens): Promise<void> {
    const source = this.sources.find((s) => s.name === account.source);
    if (!source?.saveTokens) return;
    await source.saveTokens(account.email, tokens);
    if (tokens.refreshToken !== account.credentials.refreshToken) {
      account.adoptRefreshToken(tokens.refreshToken);
    }
  }

  /** Swaps in a source's new snapshot. */
  apply(sourceName: string, accounts: readonly AccountDefinition[]): void {
    this.#snapshots.set(sourceName, accounts);
    const merged = this.merge();
    const next = new Map<string, AccountRuntime>();
    const counts = { added: 0, changed: 0, removed: 0 };
    for (const [email, entry] of merged) {
      next.set(email, this.runtimeFor(entry, counts));
    }
    for (const [email, old] of this.#accounts) {
      if (next.get(email) !== old) old.retire();
      if (!next.has(email)) counts.removed++;
    }
    this.#accounts = next;
    this.updateGauges();
    this.logger.log(
      `accounts from ${sourceName} applied: ${counts.added} added, ${counts.changed} changed, ` +
        `${counts.removed} removed, ${next.size} served`,
    );
  }

  private merge(): Map<string, Entry> {
    const merged = new Map<string, Entry>();
    for (const source of this.sources) {
      for (const definition of this.#snapshots.get(source.name) ?? []) {
        const email = definition.email.toLowerCase();
        const taken = merged.get(email);
        if (taken) {
          this.logger.warn(
            `${email} is defined by ${taken.source} and ${source.name}; ${taken.source} wins`,
          );
          continue;
        }
        merged.set(email, { definition: { ...definition, email }, source: source.name });
      }
    }
    return merged;
  }

  private runtimeFor(entry: Entry, counts: { added: number; changed: number }): AccountRuntime {
    const { definition, source } = entry;
    const perHour = definition.maxMessagesPerHour ?? this.config.defaultMaxMessagesPerHour;
    const old = this.#accounts.get(definition.email);
    if (old && old.source === source && old.credentialDigest.equals(credentialDigest(definition))) {
      old.update(definition, perHour);
      return old;
    }
    const limits = old
      ? { ...old.limits, bucket: resizeBucket(old.limits.bucket, perHour) }
      : {
          bucket: resizeBucket(undefined, perHour),
          slots: new Semaphore(this.limits.accountConcurrency, 'account_concurrency'),
        };
    if (old) counts.changed++;
    else counts.added++;
    return new AccountRuntime(definition, source, limits);
  }

  private updateGauges(): void {
    for (const provider of MAIL_PROVIDERS) this.metrics.accounts.set({ provider }, 0);
    for (const account of this.#accounts.values())
      this.metrics.accounts.inc({ provider: account.provider });
  }
}
