import { Logger, type INestApplication } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShutdownConfig } from '@libs/config';
import { ShutdownState } from '@libs/observability';

/**
 * Stops an app in the order a load balancer needs: readiness false, a drain delay while
 * traffic moves away, then `close()` (consumers, buffers, pools) bounded by the timeout.
 * Resolves with the exit code.
 */
export async function shutDown(
  app: INestApplication,
  config: ShutdownConfig,
  signal: string,
): Promise<number> {
  const logger = new Logger('Shutdown');
  app.get(ShutdownState).begin();
  logger.log(`${signal} received: readiness is false, draining for ${config.drainMs} ms`);
  await sleep(config.drainMs);
  // Unref'd: once close() wins, this timer must not keep the process (or a test run) alive.
  const timeout = sleep(config.timeoutMs, 'timeout' as const, { ref: false });
  const result = await Promise.race([app.close().then(() => 'closed' as const), timeout]);
  if (result === 'timeout') {
    logger.error(`close did not finish within ${config.timeoutMs} ms`);
    return 1;
  }
  logger.log('closed');
  return 0;
}

/** Installs SIGTERM/SIGINT handlers that run `shutDown` once and exit with its code. */
export function exitOnSignals(app: INestApplication, config: ShutdownConfig): void {
  let started = false;
  const handler = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    shutDown(app, config, signal).then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
