import { DatabaseHealthCheck } from './database.health';
import { DatabaseModule } from './database.module';

/**
 * PostgreSQL as a store of an app's core (`CoreModule.forRoot(config, { database })`). With
 * `readiness: false` the connection is made but readiness does not wait on it.
 */
export function databaseStore(options: { readiness?: boolean } = {}) {
  return {
    module: DatabaseModule,
    readiness: options.readiness === false ? undefined : DatabaseHealthCheck,
  };
}
