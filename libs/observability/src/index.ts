export * from './correlation';
export { CorrelationMiddleware } from './correlation.middleware';
export { HealthModule, type HealthOptions } from './health.module';
export { LoggingModule, type LoggingOptions } from './logging.module';
export { MetricsModule } from './metrics.module';
export { pinoOptions } from './pino-options';
export { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';
export { REDACT_PATHS, REDACTED, SECRET_FIELDS } from './redaction';
export { ShutdownState } from './shutdown-state';
