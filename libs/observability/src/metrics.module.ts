import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { AppInfo } from '@libs/config';

/**
 * One Prometheus registry per app (not prom-client's global one, so several apps can share a
 * process in tests). Inject `Registry` to add metrics; `/metrics` serves them.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: Registry,
      inject: [AppInfo],
      useFactory: (app: AppInfo) => {
        const registry = new Registry();
        registry.setDefaultLabels({ app: app.name });
        return registry;
      },
    },
    HttpMetrics,
  ],
  exports: [Registry],
})
export class MetricsModule {}
