import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Registry } from 'prom-client';
import { dataSourceOptions } from '@libs/database';
import type { ClientRecord } from '@libs/models';
import { testDatabaseUrl } from '@libs/testing';
import { blankRecord } from './client-merge';
import { ClientRepository } from './client.repository';
import { ClientsError, ClientsErrorCode } from './clients.errors';

function fullRecord(): ClientRecord {
  return {
    ...blankRecord(randomUUID(), '2026-11-21T10:00:00.123Z'),
    client_code: 'acme',
    client_secret_hash: `sha256$${'a'.repeat(64)}`,
    api_key_hash: `sha256$${'b'.repeat(64)}`,
    bap_id: 'bap.acme',
    bap_uri: 'https://bap.acme.example/cb',
    allowed_ips: ['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32'],
    rate_limit: 120,
    scopes: ['orders:read', 'introspect'],
    grant_types: ['client_credentials'],
    status: 'SUSPENDED',
    metadata: { team: 'billing', nested: { tier: 2, tags: ['x', 'y'] }, quote: 'it\'s "fine"' },
    version: 7,
    revoked_before: '2026-11-20T08:00:00.000Z',
    previous_secret_hash: `sha256$${'c'.repeat(64)}`,
    previous_secret_expires_at: '2026-11-22T10:00:00.000Z',
    access_token_ttl: 600,
    updated_at: '2026-11-21T10:00:01.456Z',
    last_synced_at: '2026-11-21T10:00:02.789Z',
  };
}

describe('ClientRepository (PostgreSQL)', () => {
  let dataSource: DataSource;
  let repository: ClientRepository;

  beforeAll(async () => {
    dataSource = await new DataSource(
      dataSourceOptions({ url: testDatabaseUrl(), poolSize: 2 }),
    ).initialize();
    repository = new ClientRepository(dataSource, new Registry());
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  /** Reads the records' rows, then writes the records over them, in one transaction. */
  async function save(records: ClientRecord[]): Promise<void> {
    await dataSource.transaction(async (m) => {
      const { rowVersions } = await repository.readMany(
        m,
        records.map((r) => r.client_id),
        { lock: false },
      );
      expect(await repository.writeMany(m, records, rowVersions)).toBe(true);
    });
  }

  it('round-trips every field, including cidr[] and jsonb', async () => {
    const record = fullRecord();
    await save([record]);
    expect(await repository.findById(record.client_id)).toEqual(record);
  });

  it('replaces every field on a second write and keeps created_at', async () => {
    const record = fullRecord();
    await save([record]);
    const next: ClientRecord = {
      ...record,
      allowed_ips: [],
      metadata: {},
      status: 'ACTIVE',
      version: 8,
      rate_limit: null,
      created_at: '2030-01-01T00:00:00.000Z',
    };
    await save([next]);
    expect(await repository.findById(record.client_id)).toEqual({
      ...next,
      created_at: record.created_at,
    });
  });

  it('keeps array elements that array literals would have to quote, and many rows at once', async () => {
    // Grant types may hold any visible ASCII, quotes and backslashes included (the validation's
    // rule); array columns travel as literals, so quoting must round-trip exactly.
    const awkward = ['a"b', 'c\\d', '{e,f}', 'NULL', 'with space', '\\"'];
    const records = Array.from({ length: 50 }, (_, i) => ({
      ...fullRecord(),
      grant_types: awkward,
      scopes: i % 2 ? [] : ['x,y', 'z}'],
      metadata: i % 3 ? {} : { list: [1, 'two', null], text: 'a"b\\c' },
      bap_id: i % 5 ? null : `bap-${i}`,
    }));
    await save(records);
    for (const record of records)
      expect(await repository.findById(record.client_id)).toEqual(record);
  });

  it('writes nothing over a row another writer changed or created since the read', async () => {
    const changed = fullRecord();
    const created = fullRecord();
    await save([changed]);
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const read = await repository.readMany(
        runner.manager,
        [changed.client_id, created.client_id],
        {
          lock: false,
        },
      );
      expect([...read.records.keys()]).toEqual([changed.client_id]);
      // Another writer, committed in between.
      await save([{ ...changed, version: 8, rate_limit: 8 }, created]);

      const mine = { ...changed, version: 9, rate_limit: 9 };
      expect(await repository.writeMany(runner.manager, [mine], read.rowVersions)).toBe(false);
      expect(await repository.writeMany(runner.manager, [created], read.rowVersions)).toBe(false);
      // At the version the row has now, the same write goes through.
      const again = await repository.readMany(runner.manager, [changed.client_id], { lock: true });
      expect(again.records.get(changed.client_id)).toMatchObject({ version: 8, rate_limit: 8 });
      expect(await repository.writeMany(runner.manager, [mine], again.rowVersions)).toBe(true);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await repository.findById(changed.client_id)).toMatchObject({
      version: 9,
      rate_limit: 9,
    });
    expect(await repository.findById(created.client_id)).toEqual(created);
  });

  it('returns nothing for an unknown id', async () => {
    expect(await repository.findById(randomUUID())).toBeUndefined();
  });

  it('lists by status with keyset paging', async () => {
    const records = Array.from({ length: 5 }, () => ({
      ...fullRecord(),
      status: 'REVOKED' as const,
    }));
    await save(records);
    const ids = records.map((r) => r.client_id).sort();
    // Other tests write to the same table: check the paging rules, and that ours all come back.
    const page = await repository.list({ status: 'REVOKED', limit: 2, after: ids[0] });
    expect(page).toHaveLength(2);
    expect(page.every((r) => r.status === 'REVOKED' && r.client_id > ids[0])).toBe(true);
    expect(page[0].client_id < page[1].client_id).toBe(true);
    const seen = new Set<string>();
    for (let after: string | undefined = ids[0]; ;) {
      const next = await repository.list({ status: 'REVOKED', limit: 500, after });
      next.forEach((r) => seen.add(r.client_id));
      if (next.length < 500 || ids.every((id) => id <= next[next.length - 1].client_id)) break;
      after = next[next.length - 1].client_id;
    }
    expect(ids.slice(1).every((id) => seen.has(id))).toBe(true);
  });

  it('maps a database failure to 65011', async () => {
    const closed = await new DataSource(
      dataSourceOptions({ url: testDatabaseUrl(), poolSize: 1 }),
    ).initialize();
    await closed.destroy();
    const broken = new ClientRepository(closed, new Registry());
    await expect(broken.findById(randomUUID())).rejects.toEqual(
      expect.objectContaining({ code: ClientsErrorCode.Database }),
    );
    await expect(broken.findById(randomUUID())).rejects.toBeInstanceOf(ClientsError);
  });
});
