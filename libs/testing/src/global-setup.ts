import { DataSource } from 'typeorm';
import { ensureDatabase } from '../../database/src/ensure-database';
import { migrations, MIGRATIONS_TABLE } from '../../../migrations';
import { testDatabaseUrl } from './test-env';

/** Creates the test database when missing and migrates it once per test run. */
export default async function globalSetup(): Promise<void> {
  const url = testDatabaseUrl();
  await ensureDatabase(url);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
