import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseConfig } from '@libs/config';
import { dataSourceOptions } from './data-source-options';
import { DatabaseHealthCheck } from './database.health';

/** TypeORM connection for an app (entities registered by feature modules) and its readiness check. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [DatabaseConfig],
      useFactory: (config: DatabaseConfig) => ({
        ...dataSourceOptions(config),
        autoLoadEntities: true,
        // At boot PostgreSQL may still be starting (compose, a rolling restart): wait ~10 s.
        retryAttempts: 10,
        retryDelay: 1_000,
      }),
    }),
  ],
  providers: [DatabaseHealthCheck],
  exports: [DatabaseHealthCheck],
})
export class DatabaseModule {}
