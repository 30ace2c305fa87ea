import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl } from '@libs/testing';
import { recordProcessed } from '.';

describe('recordProcessed', () => {
  const dataSource = new DataSource({ type: 'postgres', url: testDatabaseUrl() });
  const table = `processed_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.query(
      `CREATE TABLE ${table} (event_id text PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now())`,
    );
  });

  afterAll(async () => {
    await dataSource.query(`DROP TABLE IF EXISTS ${table}`);
    await dataSource.destroy();
  });

  it('answers which ids are new and remembers them with the transaction', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const first = await dataSource.transaction((m) => recordProcessed(m, table, [a, b, a]));
    expect(first).toEqual(new Set([a, b]));
    const second = await dataSource.transaction((m) => recordProcessed(m, table, [b, c]));
    expect(second).toEqual(new Set([c]));
  });

  it('forgets ids whose transaction rolled back', async () => {
    const id = randomUUID();
    await expect(
      dataSource.transaction(async (m) => {
        expect(await recordProcessed(m, table, [id])).toEqual(new Set([id]));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const again = await dataSource.transaction((m) => recordProcessed(m, table, [id]));
    expect(again).toEqual(new Set([id]));
  });

  it('refuses table names that are not plain identifiers', async () => {
    await expect(
      dataSource.transaction((m) => recordProcessed(m, 'x; DROP TABLE y', ['1'])),
    ).rejects.toThrow('invalid processed-events table name');
  });
});
