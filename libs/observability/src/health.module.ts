import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';
import { ShutdownState } from './shutdown-state';

export interface HealthOptions {
  /** Classes implementing `ReadinessCheck` (their dependencies must be injectable globally). */
  checks: Type<ReadinessCheck>[];
}

/** `/health/live` and `/health/ready` via @nestjs/terminus; exports the shutdown state. */
@Global()
@Module({})
export class HealthModule {
  static forRoot(options: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        ShutdownState,
        ...options.checks,
        {
          provide: READINESS_CHECKS,
          inject: options.checks,
          useFactory: (...checks: ReadinessCheck[]) => checks,
        },
      ],
      exports: [ShutdownState],
    };
  }
}
