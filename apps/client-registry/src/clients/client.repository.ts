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
 * Every column with its PostgreSQL type, in table order. Writes send one typed array per
 * column (`unnest`): PostgreSQL parses those for about half the CPU of the same rows as JSON
 * (`jsonb_populate_recordset`), and writing clients is the registry's costliest statement.
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
/** Replaced by an update: all but the key and the creation time. */
const UPDATABLE = COLUMN_TYPES.filter(([name]) => name !== 'client_id' && name !== 'created_at');
// A parameter cannot be an array of arrays of different lengths, so array columns travel as
// array literals (text) and are cast per row.
const param = ([, type]: [string, string], i: number) =>
  `$${i + 1}::${type.endsWith('[]') ? 'text' : type}[]`;
const value = ([name, type]: [string, string]) =>
  type.endsWith('[]') ? `r.${name}::${type}` : `r.${name}`;
const ROWS = `unnest(${COLUMN_TYPES.map(param).join(', ')}`;
/** The number of rows a data-modifying statement touched, as one row `{ n }`. */
const counted = (sql: string) =>
  `WITH written AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM written`;

/** New clients; a row that appeared since the read (another writer) is left alone, and counted out. */
const INSERT = counted(`INSERT INTO ${TABLE} (${NAMES})
  SELECT ${COLUMN_TYPES.map(value).join(', ')} FROM ${ROWS}) AS r(${NAMES})
  ON CONFLICT (client_id) DO NOTHING`);

/**
 * Existing clients, each only if its row is the version the transaction read (`xmin`, which
 * every update changes): a row another writer changed in between is left alone, and counted out.
 */
const UPDATE = counted(`UPDATE ${TABLE} AS c
  SET ${UPDATABLE.map((column) => `${column[0]} = ${value(column)}`).join(', ')}
  FROM ${ROWS}, $${COLUMN_TYPES.length + 1}::xid[]) AS r(${NAMES}, row_version)
  WHERE c.client_id = r.client_id AND c.xmin = r.row_version`);

/** A PostgreSQL array literal of strings, every element quoted (`{"a","b \\"c\\""}`). */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** The value of one column of a record as the writes' array parameter carries it. */
function columnValue(record: ClientRecord, name: keyof ClientRecord, type: string): unknown {
  const value = record[name];
  if (value === null || value === undefined) return null;
  if (type.endsWith('[]')) return arrayLiteral(value as string[]);
  if (type === 'jsonb') return JSON.stringify(value);
  return value;
}

/** One parameter per column, each an array holding that column of every record. */
function columnParams(records: readonly ClientRecord[]): unknown[][] {
  return COLUMN_TYPES.map(([name, type]) => records.map((r) => columnValue(r, name, type)));
}

/** Clients as a transaction read them (see ClientRepository.readMany). */
export interface ClientRows {
  records: Map<string, ClientRecord>;
  /** Each existing row's `xmin` as read: the version a later write expects to replace. */
  rowVersions: Map<string, string>;
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
   * The named clients that exist, each with its row version for {@link writeMany}. With `lock`,
   * they stay locked for the rest of the caller's transaction: row locks cannot cover ids with
   * no row yet, so an advisory lock per id (taken in id order: no deadlocks) serializes two
   * transactions creating the same client. Advisory locks take room in PostgreSQL's shared lock
   * table (a few thousand entries per server), so only a writer that lost a race locks.
   */
  async readMany(
    manager: EntityManager,
    clientIds: readonly string[],
    { lock }: { lock: boolean },
  ): Promise<ClientRows> {
    if (clientIds.length === 0) return { records: new Map(), rowVersions: new Map() };
    if (lock)
      await this.run(
        'lock',
        manager,
        `SELECT count(pg_advisory_xact_lock(hashtextextended(id::text, 7363002)))
         FROM (SELECT id FROM unnest($1::uuid[]) AS id ORDER BY id) ids`,
        [clientIds],
      );
    const rows = await this.run<ClientRecord & { row_version: string }>(
      lock ? 'lock' : 'read',
      manager,
      `SELECT ${COLUMNS}, xmin::text AS row_version FROM ${TABLE}
       WHERE client_id = ANY($1::uuid[]) ${lock ? 'ORDER BY client_id FOR UPDATE' : ''}`,
      [clientIds],
    );
    const result: ClientRows = { records: new Map(), rowVersions: new Map() };
    for (const { row_version, ...record } of rows) {
      result.records.set(record.client_id, record);
      result.rowVersions.set(record.client_id, row_version);
    }
    return result;
  }

  /**
   * Stores the records (every field; created_at only on insert) if none changed since
   * {@link readMany} gave `rowVersions`: rows it listed are updated only at that version, the
   * others are inserted only if still absent. False when another writer got there first; the
   * caller then rolls back, as some rows may be written.
   */
  async writeMany(
    manager: EntityManager,
    records: readonly ClientRecord[],
    rowVersions: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    const existing = records.filter((r) => rowVersions.has(r.client_id));
    const fresh = records.filter((r) => !rowVersions.has(r.client_id));
    if (existing.length > 0) {
      const versions = existing.map((r) => rowVersions.get(r.client_id)!);
      const [{ n }] = await this.run<{ n: number }>('update', manager, UPDATE, [
        ...columnParams(existing),
        versions,
      ]);
      if (n !== existing.length) return false;
    }
    if (fresh.length > 0) {
      const [{ n }] = await this.run<{ n: number }>('insert', manager, INSERT, columnParams(fresh));
      if (n !== fresh.length) return false;
    }
    return true;
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

  private async run<Row = ClientRecord>(
    query: string,
    manager: EntityManager,
    sql: string,
    params: unknown[],
  ): Promise<Row[]> {
    const end = this.latency.startTimer({ query });
    try {
      const rows = (await manager.query(sql, params)) as Row[];
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
