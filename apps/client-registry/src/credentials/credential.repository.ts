import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ProviderName } from '@libs/provider-clients';
import { SECRET_COLUMNS, type SecretColumn } from './credential-fields';
import { CredentialsError } from './credentials.errors';

export const CREDENTIALS_TABLE = 'client_registry.user_oauth_credentials';

/** What a credential row says about itself: no secret, safe to answer any caller. */
export interface CredentialMetadata {
  user_id: string;
  provider: ProviderName;
  is_active: boolean;
  email: string | null;
  scopes: string[] | null;
  created_at: string;
  updated_at: string;
}

/** Columns a write sets: secret columns hold `pc1:` ciphertexts, never plaintext. */
export type ColumnValues = { [C in SecretColumn]?: string | null } & {
  expires_at?: string | null;
  token_url?: string | null;
  email?: string | null;
  scopes?: readonly string[] | null;
  is_active?: boolean;
};

/** A whole stored row (ciphertexts included). */
export type CredentialRow = CredentialMetadata & { [C in SecretColumn]: string | null } & {
  expires_at: string | null;
  token_url: string | null;
  /** The data key of every ciphertext of the row; null while they differ (mid re-encryption). */
  key_id: string | null;
};

/** The mail relay's local login of a Gmail / Outlook row (see docs/mail-relay.md). */
export interface RelayLoginColumns {
  relay_password_hash: string | null;
  relay_max_messages_per_hour: number | null;
}

/** A row as `credentials.list` reads it: the whole row and its relay login. */
export type ListedRow = CredentialRow & RelayLoginColumns;

/** One page of `credentials.list`, in `user_id` order after `after`. */
export interface ListPageQuery {
  readonly provider: ProviderName;
  readonly after: string | undefined;
  readonly limit: number;
  /** Only rows with a mail relay login. */
  readonly relayOnly: boolean;
}

const WRITABLE = [
  ...SECRET_COLUMNS,
  'expires_at',
  'token_url',
  'email',
  'scopes',
  'is_active',
] as const;
const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
const METADATA = `user_id, provider, is_active, email, scopes, ${iso('created_at')}, ${iso('updated_at')}`;
const FULL = `${METADATA}, ${SECRET_COLUMNS.join(', ')}, ${iso('expires_at')}, token_url, key_id`;

/** Queries of `client_registry.user_oauth_credentials`; failures surface as 65011. */
@Injectable()
export class CredentialRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(userId: string, provider: ProviderName): Promise<CredentialRow | undefined> {
    const rows = await run<CredentialRow>(
      this.dataSource.manager,
      `SELECT ${FULL} FROM ${CREDENTIALS_TABLE} WHERE user_id = $1 AND provider = $2`,
      [userId, provider],
    );
    return rows[0];
  }

  /** Inserts or fully replaces a row: columns not given are cleared. */
  async replace(
    manager: EntityManager,
    userId: string,
    provider: ProviderName,
    values: ColumnValues,
  ): Promise<{ metadata: CredentialMetadata; created: boolean }> {
    const params = WRITABLE.map((c) => values[c] ?? (c === 'is_active' ? true : null));
    const [row] = await run<CredentialMetadata & { created: boolean }>(
      manager,
      `INSERT INTO ${CREDENTIALS_TABLE} (user_id, provider, ${WRITABLE.join(', ')})
       VALUES ($1, $2, ${WRITABLE.map((_, i) => `$${i + 3}`).join(', ')})
       ON CONFLICT (user_id, provider) DO UPDATE
       SET ${WRITABLE.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
       RETURNING ${METADATA}, (xmax = 0) AS created`,
      [userId, provider, ...params],
    );
    const { created, ...metadata } = row;
    return { metadata, created };
  }

  /** Changes the given columns of an existing row; undefined when there is none. */
  async merge(
    manager: EntityManager,
    userId: string,
    provider: ProviderName,
    values: ColumnValues,
  ): Promise<CredentialMetadata | undefined> {
    const columns = WRITABLE.filter((c) => values[c] !== undefined);
    const rows = await runChange<CredentialMetadata>(
      manager,
      `UPDATE ${CREDENTIALS_TABLE}
       SET ${columns.map((c, i) => `${c} = $${i + 3}, `).join('')}updated_at = now()
       WHERE user_id = $1 AND provider = $2
       RETURNING ${METADATA}`,
      [userId, provider, ...columns.map((c) => values[c])],
    );
    return rows[0];
  }

  /** A page of rows of one provider (ciphertexts included), in `user_id` order. */
  async listPage(query: ListPageQuery): Promise<ListedRow[]> {
    const { provider, after, limit, relayOnly } = query;
    return run<ListedRow>(
      this.dataSource.manager,
      `SELECT ${FULL}, relay_password_hash, relay_max_messages_per_hour
       FROM ${CREDENTIALS_TABLE}
       WHERE provider = $1 AND ($2::text IS NULL OR user_id > $2)
         ${relayOnly ? 'AND relay_password_hash IS NOT NULL' : ''}
       ORDER BY user_id
       LIMIT $3`,
      [provider, after ?? null, limit],
    );
  }

  /** Sets (or with a null hash, removes) the relay login of an existing row. */
  async setRelayLogin(
    manager: EntityManager,
    userId: string,
    provider: ProviderName,
    login: RelayLoginColumns,
  ): Promise<(CredentialMetadata & RelayLoginColumns) | undefined> {
    const rows = await runChange<CredentialMetadata & RelayLoginColumns>(
      manager,
      `UPDATE ${CREDENTIALS_TABLE}
       SET relay_password_hash = $3, relay_max_messages_per_hour = $4, updated_at = now()
       WHERE user_id = $1 AND provider = $2
       RETURNING ${METADATA}, relay_password_hash, relay_max_messages_per_hour`,
      [userId, provider, login.relay_password_hash, login.relay_max_messages_per_hour],
    );
    return rows[0];
  }

  /** Deletes a row; false when there was none. */
  async delete(manager: EntityManager, userId: string, provider: ProviderName): Promise<boolean> {
    const rows = await runChange(
      manager,
      `DELETE FROM ${CREDENTIALS_TABLE} WHERE user_id = $1 AND provider = $2 RETURNING 1`,
      [userId, provider],
    );
    return rows.length > 0;
  }
}

/** Runs a query, turning any database failure into a 65011 error. */
export async function run<T = unknown>(
  manager: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  try {
    return (await manager.query(sql, params)) as T[];
  } catch (error) {
    throw CredentialsError.database(error);
  }
}

/** {@link run} for UPDATE and DELETE, whose result TypeORM answers as `[rows, rowCount]`. */
export async function runChange<T = unknown>(
  manager: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const [rows] = (await run(manager, sql, params)) as unknown as [T[], number];
  return rows;
}
