import { Injectable, Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { TokenFlushConfig } from '@libs/config';
import { IssuedTokenRepository } from './issued-token.repository';

const DAY_MS = 86_400_000;
/** Rows per DELETE, and the most one prune job deletes (the next hourly job goes on). */
const CHUNK = 10_000;
const MAX_CHUNKS_PER_JOB = 100;

/**
 * Retention of `auth.issued_tokens`: records of tokens that expired more than
 * `TOKEN_RECORD_RETENTION_DAYS` ago are deleted in small chunks by an hourly job, so the table
 * holds what audits and investigations need instead of growing by every token forever.
 */
@Injectable()
export class TokenRecordPruner {
  private readonly logger = new Logger(TokenRecordPruner.name);
  private readonly pruned: Counter;

  constructor(
    private readonly config: TokenFlushConfig,
    private readonly tokens: IssuedTokenRepository,
    registry: Registry,
  ) {
    this.pruned = new Counter({
      name: 'auth_token_records_pruned_total',
      help: 'Token records deleted after their retention period',
      registers: [registry],
    });
  }

  /** Deletes the records past retention at `now`; resolves with how many (0 when kept forever). */
  async prune(now = new Date()): Promise<number> {
    if (this.config.retentionDays === 0) return 0;
    const cutoff = new Date(now.getTime() - this.config.retentionDays * DAY_MS);
    let total = 0;
    for (let chunk = 0; chunk < MAX_CHUNKS_PER_JOB; chunk++) {
      const deleted = await this.tokens.deleteExpiredBefore(cutoff, CHUNK);
      total += deleted;
      this.pruned.inc(deleted);
      if (deleted < CHUNK) break;
    }
    if (total > 0) this.logger.log(`${total} token records past retention deleted`);
    return total;
  }
}
