import type { LoggerOptions } from 'pino';
import { currentCorrelationId } from './correlation';
import { REDACT_PATHS, REDACTED } from './redaction';

/** The pino options every Portico process uses: JSON, app name, correlation id, redaction. */
export function pinoOptions(app: string, level: string): LoggerOptions {
  return {
    level,
    base: { app },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    formatters: { level: (label) => ({ level: label }) },
  };
}
