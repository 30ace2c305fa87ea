import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DataKeyStore, StoredDataKey } from '@libs/crypto';
import { SECRET_COLUMNS } from './credential-fields';
import { CREDENTIALS_TABLE, run, runChange } from './credential.repository';

const TABLE = 'client_registry.data_keys';

// A value under the key: rows wholly under it, or rows whose values are under several keys
// (key_id is NULL then) with one of them under it.
const VALUES_UNDER_KEY = `SELECT count(*)::int AS n FROM ${CREDENTIALS_TABLE}
  WHERE key_id = $1 OR (key_id IS NULL AND $1 IN (${SECRET_COLUMNS.map((c) => `split_part(${c}, ':', 2)`).join(', ')}))`;

interface KeyRow {
  key_id: string;
  wrapped_key: string;
  is_current: boolean;
  created_at: Date;
}

/** The key ring's {@link DataKeyStore} over `client_registry.data_keys`; every method is atomic. */
@Injectable()
export class DataKeyRepository implements DataKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<readonly StoredDataKey[]> {
    const rows = await run<KeyRow>(
      this.dataSource.manager,
      `SELECT key_id, wrapped_key, is_current, created_at FROM ${TABLE} ORDER BY created_at, key_id`,
      [],
    );
    return rows.map((r) => ({
      keyId: r.key_id,
      wrapped: r.wrapped_key,
      current: r.is_current,
      createdAt: r.created_at,
    }));
  }

  async add(key: StoredDataKey): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Serializes adds: two pods creating a first key at once both succeed, one after the
      // other, instead of one failing on the one-current index. Reads are not blocked.
      await run(manager, `LOCK TABLE ${TABLE} IN SHARE ROW EXCLUSIVE MODE`, []);
      if (key.current) {
        await run(manager, `UPDATE ${TABLE} SET is_current = false WHERE is_current`, []);
      }
      await run(
        manager,
        `INSERT INTO ${TABLE} (key_id, wrapped_key, is_current, created_at) VALUES ($1, $2, $3, $4)`,
        [key.keyId, key.wrapped, key.current, key.createdAt],
      );
    });
  }

  async rewrap(keyId: string, expected: string, wrapped: string): Promise<boolean> {
    const rows = await runChange(
      this.dataSource.manager,
      `UPDATE ${TABLE} SET wrapped_key = $3 WHERE key_id = $1 AND wrapped_key = $2 RETURNING 1`,
      [keyId, expected, wrapped],
    );
    return rows.length === 1;
  }

  /** Deletes a key; refuses the current one and one that still encrypts a stored value. */
  async remove(keyId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [key] = await run<KeyRow>(
        manager,
        `SELECT is_current FROM ${TABLE} WHERE key_id = $1 FOR UPDATE`,
        [keyId],
      );
      if (!key) return;
      if (key.is_current) throw new Error(`data key ${keyId} is current`);
      const uses = await this.valuesUnder(manager, keyId);
      if (uses > 0) throw new Error(`data key ${keyId} still encrypts values in ${uses} rows`);
      await run(manager, `DELETE FROM ${TABLE} WHERE key_id = $1`, [keyId]);
    });
  }

  /** How many credential rows hold a value under `keyId`. */
  async valuesUnder(manager: EntityManager, keyId: string): Promise<number> {
    const [row] = await run<{ n: number }>(manager, VALUES_UNDER_KEY, [keyId]);
    return row.n;
  }
}
