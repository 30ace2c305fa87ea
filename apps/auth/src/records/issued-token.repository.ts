import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordsInsert, type TokenRecord } from './token-record';

/** Rows a write statement touched (TypeORM answers `[rows, count]` for INSERT and DELETE). */
const affected = (result: unknown, fallback: number): number =>
  Array.isArray(result) && typeof result[1] === 'number' ? result[1] : fallback;

/** Queries of `auth.issued_tokens`. */
@Injectable()
export class IssuedTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a batch in one statement in one transaction; records already stored (a flush
   * retried after a crash) are skipped. Returns the number of new rows.
   */
  async insertMany(records: readonly TokenRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const result = (await this.dataSource.query(...recordsInsert(records))) as unknown;
    return affected(result, records.length);
  }

  /**
   * Deletes up to `limit` records of tokens that expired before `cutoff` (oldest first, through
   * the `expires_at` index); returns how many. Small chunks keep each transaction short.
   */
  async deleteExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    const result = (await this.dataSource.query(
      `DELETE FROM auth.issued_tokens WHERE jti IN (
         SELECT jti FROM auth.issued_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)`,
      [cutoff, limit],
    )) as unknown;
    return affected(result, 0);
  }

  async countByJti(jtis: readonly string[]): Promise<Map<string, number>> {
    const rows = (await this.dataSource.query(
      'SELECT jti::text AS jti, count(*)::int AS n FROM auth.issued_tokens WHERE jti = ANY($1::uuid[]) GROUP BY jti',
      [jtis],
    )) as { jti: string; n: number }[];
    return new Map(rows.map((r) => [r.jti, r.n]));
  }
}
