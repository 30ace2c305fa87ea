export { dataSourceOptions } from './data-source-options';
export { DatabaseHealthCheck } from './database.health';
export { DatabaseModule } from './database.module';
export { ensureDatabase } from './ensure-database';
export { databaseStore } from './database.store';
export { SnakeNamingStrategy } from './snake-naming.strategy';
