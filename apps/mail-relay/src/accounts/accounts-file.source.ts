import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { MailAccountsConfig } from '@libs/config';
import { RelayMetrics } from '../relay/relay.metrics';
import type { AccountDefinition, AccountSource } from './account-source';
import { MAX_ACCOUNTS_FILE_BYTES, parseAccountsFile } from './accounts-file.parser';

/** File-system events come in bursts (write, rename, chmod): reload once they settle. */
const SETTLE_MS = 100;

type Read = { kind: 'missing' } | { kind: 'text'; text: string; hash: string };

/**
 * `accounts.json`, watched (directory events, so atomic renames and Kubernetes' symlink swaps
 * are seen) and polled as a safety net. A change is applied only when the whole file is
 * valid; otherwise the error is logged once and the previous accounts stay.
 */
@Injectable()
export class FileAccountSource implements AccountSource {
  readonly name = 'file';
  private readonly logger = new Logger(FileAccountSource.name);
  readonly path: string;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #seenHash: string | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #onChange: ((accounts: readonly AccountDefinition[]) => void) | undefined;

  constructor(
    private readonly config: MailAccountsConfig,
    private readonly metrics: RelayMetrics,
  ) {
    this.path = resolve(config.file);
  }

  async start(
    onChange: (accounts: readonly AccountDefinition[]) => void,
  ): Promise<readonly AccountDefinition[]> {
    const read = await this.read();
    let first: AccountDefinition[] = [];
    if (read.kind === 'missing') {
      this.logger.warn(`no accounts file at ${this.path}: none served from it until it appears`);
    } else {
      first = parseAccountsFile(read.text);
      this.#seenHash = read.hash;
      this.metrics.reloads.inc({ source: this.name, result: 'applied' });
    }
    this.#onChange = onChange;
    this.watch();
    return first;
  }

  async close(): Promise<void> {
    this.#onChange = undefined;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#settle);
    await this.#reloading;
  }

  /** Re-reads the file now (also what the watcher and the poll call). */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(() => this.reloadOnce());
    return this.#reloading;
  }

  private watch(): void {
    const file = basename(this.path);
    try {
      this.#watcher = watch(dirname(this.path), (_event, name) => {
        if (name !== null && !String(name).startsWith('..') && String(name) !== file) return;
        clearTimeout(this.#settle);
        this.#settle = setTimeout(() => void this.reload(), SETTLE_MS);
      });
      this.#watcher.on('error', (e) =>
        this.logger.warn(`watching ${this.path} failed (${e.message}); polling only`),
      );
    } catch (e) {
      this.logger.warn(
        `cannot watch ${dirname(this.path)} (${(e as Error).message}); polling only`,
      );
    }
    this.#poll = setInterval(() => void this.reload(), this.config.pollMs).unref();
  }

  private async reloadOnce(): Promise<void> {
    if (!this.#onChange) return;
    let read: Read;
    try {
      read = await this.read();
    } catch (e) {
      return this.refuse(`cannot read it: ${(e as Error).message}`, 'unreadable');
    }
    if (read.kind === 'missing') {
      if (this.#seenHash !== 'missing') {
        this.logger.warn(`${this.path} disappeared: keeping the accounts already loaded`);
      }
      this.#seenHash = 'missing';
      return;
    }
    if (read.hash === this.#seenHash) return;
    let accounts: AccountDefinition[];
    try {
      accounts = parseAccountsFile(read.text);
    } catch (e) {
      return this.refuse(`${(e as Error).message}; keeping the previous accounts`, read.hash);
    }
    this.#seenHash = read.hash;
    this.metrics.reloads.inc({ source: this.name, result: 'applied' });
    this.#onChange(accounts);
  }

  /** Logs a refusal once per distinct file content (the poll would repeat it otherwise). */
  private refuse(message: string, key: string): void {
    if (key === this.#seenHash) return;
    this.#seenHash = key;
    this.metrics.reloads.inc({ source: this.name, result: 'refused' });
    this.logger.error(`${this.path} refused: ${message}`);
  }

  private async read(): Promise<Read> {
    try {
      const info = await stat(this.path);
      if (info.size > MAX_ACCOUNTS_FILE_BYTES) {
        throw new Error(`larger than ${MAX_ACCOUNTS_FILE_BYTES} bytes`);
      }
      const text = await readFile(this.path, 'utf8');
      return { kind: 'text', text, hash: createHash('sha256').update(text).digest('hex') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw e;
    }
  }
}
