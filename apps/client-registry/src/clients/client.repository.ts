import { Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { ClientRecord, ClientStatus } from '@libs/models';
import { ClientsError, ClientsErrorCode } from './clients.errors';

const TABLE = 'client_registry.clients';

// Timestamps leave PostgreSQL as ISO-8601 text so records round-trip through JSON unchanged.
const COLUMNS = `client_id, client_code, client_secret_hash, api_key_hash, bap_id, bap_uri,
  allowed_ips::text[] AS allowed_ips, rate_limit, scopes, grant_types, status, metadata,
  version::float8 AS version,
  to_char(revoked_before AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS revoked_before,
  previous_secret_hash,
  to_char(previous_secret_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS previous_secret_expires_at,
  access_token_ttl,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
  to_char(last_synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_synced_at`;

/**
 * Every column with its PostgreSQL type, in table order. Upserts send one typed array per
 * column (`unnest`): PostgreSQL parses those for about half the CPU of the same rows as JSON
 * (`jsonb_populate_recordset`), and the upsert is the registry's costliest statement.
 */
const COLUMN_TYPES: readonly [keyof ClientRecord, string][] = [
  ['client_id', 'uuid'],
  ['client_code', 'text'],
  ['client_secret_hash', 'text'],
  ['api_key_hash', 'text'],
  ['bap_id', 'text'],
  ['bap_uri', 'text'],
  ['allowed_ips', 'cidr[]'],
  ['rate_limit', 'integer'],
  ['scopes', 'text[]'],
  ['grant_types', 'text[]'],
  ['status', 'text'],
  ['metadata', 'jsonb'],
  ['version', 'bigint'],
  ['revoked_before', 'timestamptz'],
  ['previous_secret_hash', 'text'],
  ['previous_secret_expires_at', 'timestamptz'],
  ['access_token_ttl', 'integer'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['last_synced_at', 'timestamptz'],
];
const NAMES = COLUMN_TYPES.map(([name]) => name).join(', ');
/** Replaced on conflict: all but the key and the creation time. */
const UPDATABLE = COLUMN_TYPES.map(([name]) => name).filter(
  (name) => name !== 'client_id' && name !== 'created_at',
);
const UPSERT = (() => {
  // A parameter cannot be an array of arrays of different lengths, so array columns travel as
  // array literals (text) and are cast per row.
  const param = (type: string, i: number) => `$${i + 1}::${type.endsWith('[]') ? 'text' : type}[]`;
  const value = ([name, type]: [string, string]) =>
    type.endsWith('[]') ? `r.${name}::${type}` : `r.${name}`;
  return `INSERT INTO ${TABLE} (${NAMES})
    SELECT ${COLUMN_TYPES.map(value).join(', ')}
    FROM unnest(${COLUMN_TYPES.map(([, type], i) => param(type, i)).join(', ')})
      AS r(${NAMES})
    ON CONFLICT (client_id) DO UPDATE SET ${UPDATABLE.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
})();

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPED = /[\\"]/g;

/** One element of a PostgreSQL array literal: always quoted, `\` and `"` escaped. */
function quoted(value: string): string {
  return `"${NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value}"`;
}

/**
 * A PostgreSQL array literal (`{"a",NULL,"b \\"c\\""}`). The upsert's parameters are built
 * with it rather than handed to pg as JS arrays: pg's own encoding escapes every element twice
 * over and was a tenth of the registry's CPU per applied event.
 */
function arrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : quoted(v))).join(',')}}`;
}

/** The value of one column of a record as text in the upsert's array parameter. */
function columnValue(record: ClientRecord, name: keyof ClientRecord, type: string): string | null {
  const value = record[name];
  if (value === null || value === undefined) return null;
  if (type.endsWith('[]')) return arrayLiteral(value as string[]);
  if (type === 'jsonb') return JSON.stringify(value);
  return String(value);
}

export interface ListQuery {
  status?: ClientStatus;
  limit: number;
  /** Keyset paging: return clients whose id sorts after this one. */
  after?: string;
}

/** Queries of `client_registry.clients`. Database failures surface as ClientsError 65011. */
@Injectable()
export class ClientRepository {
  private readonly latency: Histogram<'query' | 'outcome'>;

  constructor(
    private readonly dataSource: DataSource,
    registry: Registry,
  ) {
    this.latency = new Histogram({
      name: 'registry_db_query_duration_seconds',
      help: 'PostgreSQL round trips of the client registry by query and outcome',
      labelNames: ['query', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
  }

  async findById(clientId: string): Promise<ClientRecord | undefined> {
    const rows = await this.run(
      'find',
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM ${TABLE} WHERE client_id = $1`,
      [clientId],
    );
    return rows[0];
  }

  /**
   * Locks the named clients for the rest of the caller's transaction and returns those that
   * exist. Row locks cannot cover ids with no row yet, so an advisory lock per id (taken in id
   * order: no deadlocks) serializes two transactions creating the same client.
   */
  async lockMany(
    manager: EntityManager,
    clientIds: readonly string[],
  ): Promise<Map<string, ClientRecord>> {
    await this.run(
      'lock',
      manager,
      `SELECT count(pg_advisory_xact_lock(hashtextextended(id::text, 7363002)))
       FROM (SELECT id FROM unnest($1::uuid[]) AS id ORDER BY id) ids`,
      [clientIds],
    );
    const rows = await this.run(
      'lock',
      manager,
      `SELECT ${COLUMNS} FROM ${TABLE} WHERE client_id = ANY($1::uuid[]) ORDER BY client_id FOR UPDATE`,
      [clientIds],
    );
    return new Map(rows.map((r) => [r.client_id, r]));
  }

  async list(query: ListQuery): Promise<ClientRecord[]> {
    return this.run(
      'list',
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM ${TABLE}
       WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR client_id > $2)
       ORDER BY client_id LIMIT $3`,
      [query.status ?? null, query.after ?? null, query.limit],
    );
  }

  /** Inserts or fully replaces the given records (every field), in one statement. */
  async upsertMany(manager: EntityManager, records: readonly ClientRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.run(
      'upsert',
      manager,
      UPSERT,
      COLUMN_TYPES.map(([name, type]) =>
        arrayLiteral(records.map((r) => columnValue(r, name, type))),
      ),
    );
  }

  private async run(
    query: string,
    manager: EntityManager,
    sql: string,
    params: unknown[],
  ): Promise<ClientRecord[]> {
    const end = this.latency.startTimer({ query });
    try {
      const rows = (await manager.query(sql, params)) as ClientRecord[];
      end({ outcome: 'ok' });
      return rows;
    } catch (error) {
      end({ outcome: 'error' });
      throw new ClientsError(ClientsErrorCode.Database, 'client registry database error', {
        cause: error,
      });
    }
  }
}
