import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';
import { ShutdownState } from './shutdown-state';

/** Probe answer time limit: a hung dependency must read as "not ready", not as a hung probe. */
const CHECK_TIMEOUT_MS = 1_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** The process is alive as long as it answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when every dependency answers and no shutdown has begun. */
  @Get('ready')
  // Without swaggerDocumentation: false, terminus requires @nestjs/swagger in every app (~12 MB of
  // RSS) just to describe this probe; the OpenAPI documents are about the REST APIs.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready() {
    if (this.shutdown.shuttingDown) {
      throw new ServiceUnavailableException({ status: 'shutting_down' });
    }
    return this.health.check(
      this.checks.map(
        (c) => () =>
          this.indicators
            .check(c.name)
            .attempt(({ signal }) => c.check(signal))
            .withTimeout(CHECK_TIMEOUT_MS),
      ),
    );
  }
}
