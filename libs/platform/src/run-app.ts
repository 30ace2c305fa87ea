import type { DynamicModule } from '@nestjs/common';
import { ConfigError, type BaseConfig } from '@libs/config';
import { createHttpApp } from './create-app';
import { exitOnSignals } from './graceful-shutdown';

export interface AppDefinition {
  config: BaseConfig;
  module: DynamicModule;
}

/**
 * The body of every `main.ts`: validate config, build, listen on the app's port, stop on
 * signals. A bad environment exits 1 with every bad variable listed.
 */
export function runApp(define: () => AppDefinition): void {
  start(define).catch((error: unknown) => {
    process.stderr.write(
      `failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}

async function start(define: () => AppDefinition): Promise<void> {
  let definition: AppDefinition;
  try {
    definition = define();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const { config, module } = definition;
  const app = await createHttpApp(module, config);
  exitOnSignals(app, config.shutdown);
  await app.listen(config.http.port, config.http.host);
}
