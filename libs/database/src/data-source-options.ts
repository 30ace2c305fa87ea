import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '@libs/config';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** Connection settings shared by the apps and the migration DataSource; never `synchronize`. */
export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    extra: { max: config.poolSize, connectionTimeoutMillis: 5_000 },
    // TypeORM's own logging would print parameters, which may be hashes or credentials.
    logging: false,
  };
}
