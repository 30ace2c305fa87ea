import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { MAIL_PROVIDERS, MailAccountsConfig, type MailProvider } from '@libs/config';
import { RpcClient } from '@libs/messaging';
import { RelayMetrics } from '../relay/relay.metrics';
import type { AccountDefinition, AccountSource, RefreshedTokens } from './account-source';
import { mailboxVerdict, parseRegistryPage, type RegistryRowKey } from './registry-mailbox.parser';

const REGISTRY = 'client-registry';
/** Rows per `credentials.list` request (the registry decrypts them while the RPC waits). */
const PAGE_SIZE = 200;
/** Until a first listing succeeded, try again this often rather than every refresh interval. */
const FIRST_LOAD_RETRY_MS = 5_000;

interface Owner extends RegistryRowKey {
  refreshToken: string;
}

interface Listing {
  readonly accounts: AccountDefinition[];
  readonly owners: Map<string, Owner>;
  readonly problems: Set<string>;
}

const digestOf = (accounts: readonly AccountDefinition[]) =>
  createHash('sha256').update(JSON.stringify(accounts)).digest('hex');

/**
 * The registry's gmail/outlook credentials that carry a mail relay login (`credentials.list`
 * over RPC), listed at start and every `registryRefreshMs`. A listing is all or nothing: a
 * failed page keeps the previous accounts. A row that is not a usable account is skipped and
 * logged (once while it stays the same); the others are served.
 */
@Injectable()
export class RegistryAccountSource implements AccountSource {
  readonly name = 'registry';
  private readonly logger = new Logger(RegistryAccountSource.name);
  #onChange: ((accounts: readonly AccountDefinition[]) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> = Promise.resolve();
  #loaded = false;
  #failing = false;
  #appliedDigest = '';
  /** Row problems already logged, so that a refresh does not repeat them. */
  #reported = new Set<string>();
  /** Mailbox → the registry row it came from (where a rotated refresh token is stored). */
  #owners = new Map<string, Owner>();
  /** Mailbox → refresh token replaced by a rotation we stored (a listing may predate it). */
  readonly #rotated = new Map<string, { from: string; to: string }>();

  constructor(
    private readonly config: MailAccountsConfig,
    private readonly rpc: RpcClient,
    private readonly metrics: RelayMetrics,
  ) {}

  /**
   * The first listing. When the registry cannot answer, the relay starts anyway (the file's
   * accounts work) and the listing is retried every few seconds until it succeeds.
   */
  async start(
    onChange: (accounts: readonly AccountDefinition[]) => void,
  ): Promise<readonly AccountDefinition[]> {
    if (this.config.registryRefreshMs === 0) return [];
    let first: AccountDefinition[] = [];
    try {
      first = this.take(await this.list());
      this.#appliedDigest = digestOf(first);
      this.metrics.reloads.inc({ source: this.name, result: 'applied' });
    } catch (error) {
      this.failed(error);
    }
    this.#onChange = onChange;
    this.schedule();
    return first;
  }

  /** Stops refreshing. A listing in flight is not awaited: its RPC may wait for a timeout. */
  async close(): Promise<void> {
    this.#onChange = undefined;
    clearTimeout(this.#timer);
  }

  /** Lists the registry now and applies the result when it changed (what the timer calls). */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing
      .then(() => this.refreshOnce())
      .catch((error: unknown) =>
        this.logger.error(`registry accounts not applied: ${String(error)}`),
      );
    return this.#refreshing;
  }

  /**
   * Stores a rotated refresh token back (Microsoft rotates them). An unchanged one is not
   * written: Google's refreshes cost the registry nothing.
   */
  async saveTokens(email: string, tokens: RefreshedTokens): Promise<void> {
    const owner = this.#owners.get(email);
    if (!owner || owner.refreshToken === tokens.refreshToken) return;
    await this.rpc.request(REGISTRY, 'credentials.put', {
      user_id: owner.userId,
      provider: owner.provider,
      mode: 'merge',
      credentials: {
        accessToken: tokens.accessToken,
        expiresAt: tokens.expiresAt.toISOString(),
        refreshToken: tokens.refreshToken,
      },
    });
    this.#rotated.set(email, { from: owner.refreshToken, to: tokens.refreshToken });
    owner.refreshToken = tokens.refreshToken;
  }

  private schedule(): void {
    const every = this.config.registryRefreshMs;
    const ms = this.#loaded ? every : Math.min(FIRST_LOAD_RETRY_MS, every);
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => {
        if (this.open) this.schedule();
      });
    }, ms).unref();
  }

  /** False once closed: a listing that ends after close() changes nothing and logs nothing. */
  private get open(): boolean {
    return this.#onChange !== undefined;
  }

  private async refreshOnce(): Promise<void> {
    if (!this.open) return;
    let listing: Listing;
    try {
      listing = await this.list();
    } catch (error) {
      if (this.open) this.failed(error);
      return;
    }
    const onChange = this.#onChange;
    if (!onChange) return;
    if (this.#failing) this.logger.log("the registry's mailboxes are listed again");
    const accounts = this.take(listing);
    const digest = digestOf(accounts);
    if (digest === this.#appliedDigest) return;
    this.#appliedDigest = digest;
    this.metrics.reloads.inc({ source: this.name, result: 'applied' });
    onChange(accounts);
  }

  /** Adopts a successful listing as the current one; answers its accounts. */
  private take(listing: Listing): AccountDefinition[] {
    this.#loaded = true;
    this.#failing = false;
    this.#owners = listing.owners;
    for (const problem of listing.problems) {
      if (!this.#reported.has(problem)) this.logger.error(`registry account ${problem}`);
    }
    this.#reported = listing.problems;
    return listing.accounts;
  }

  /** Every served mailbox of both providers; a mailbox in two rows is served from the first. */
  private async list(): Promise<Listing> {
    const listing: Listing = { accounts: [], owners: new Map(), problems: new Set() };
    for (const provider of MAIL_PROVIDERS) {
      for await (const row of this.rows(provider, listing.problems)) {
        const verdict = mailboxVerdict(row);
        if (verdict.kind === 'inactive') continue;
        if (verdict.kind === 'invalid') {
          listing.problems.add(`${verdict.key} skipped: ${verdict.problems.join('; ')}`);
          continue;
        }
        const account = this.withRotation(verdict.account);
        const taken = listing.owners.get(account.email);
        if (taken) {
          listing.problems.add(
            `${verdict.key} skipped: ${account.email} is served from ${taken.userId}/${taken.provider}`,
          );
          continue;
        }
        listing.owners.set(account.email, { ...verdict.row, refreshToken: account.refreshToken });
        listing.accounts.push(account);
      }
    }
    return listing;
  }

  private async *rows(provider: MailProvider, problems: Set<string>): AsyncGenerator<unknown> {
    let after: string | undefined;
    do {
      const answer = await this.rpc.request(REGISTRY, 'credentials.list', {
        provider,
        relay_only: true,
        limit: PAGE_SIZE,
        ...(after === undefined ? {} : { after }),
      });
      const page = parseRegistryPage(answer);
      for (const u of page.unreadable) {
        problems.add(`${u.user_id}/${u.provider} skipped: ${u.message}`);
      }
      yield* page.items;
      after = page.next_after ?? undefined;
    } while (after !== undefined);
  }

  /** A listing that started before we stored a rotated refresh token carries the old one. */
  private withRotation(account: AccountDefinition): AccountDefinition {
    const rotation = this.#rotated.get(account.email);
    if (!rotation) return account;
    if (account.refreshToken === rotation.from) return { ...account, refreshToken: rotation.to };
    this.#rotated.delete(account.email);
    return account;
  }

  private failed(error: unknown): void {
    this.metrics.reloads.inc({ source: this.name, result: 'failed' });
    if (this.#failing) return;
    this.#failing = true;
    const keeping = this.#loaded ? 'keeping the accounts listed before' : 'none served from it yet';
    this.logger.error(
      `cannot list the registry's mailboxes (${(error as Error).message}); ${keeping}`,
    );
  }
}
