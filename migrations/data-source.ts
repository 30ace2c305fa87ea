import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadToolingConfig } from '@libs/config';
import { dataSourceOptions } from '@libs/database';
import { migrations, MIGRATIONS_TABLE } from './index';

/** The DataSource of `npm run migration:*` (and of the TypeORM CLI, which wants a default export). */
export function migrationDataSource(url = loadToolingConfig().database.url): DataSource {
  return new DataSource({
    ...dataSourceOptions({ url, poolSize: 2 }),
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    // Entities are only needed to diff the schema for `migration:generate`.
    entities: [`${__dirname}/../apps/*/src/**/*.entity.js`],
  });
}

export default migrationDataSource();
