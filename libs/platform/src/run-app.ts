import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { ConfigError, type BaseConfig } from '@libs/config';
import { createHttpApp, type OpenApiOptions } from './create-app';
import { exitOnSignals } from './graceful-shutdown';

export interface AppDefinition {
  config: BaseConfig;
  module: DynamicModule;
  /**
   * Message transports served beside HTTP (e.g. a Redis Streams server). They share the app's
   * pipes and filters, start before it listens and stop inside `app.close()`, so their close
   * must fit in the shutdown timeout.
   */
  transports?: (app: INestApplication) => CustomTransportStrategy[];
  /** Serve an OpenAPI document of the REST API at /docs. */
  openApi?: OpenApiOptions;
}

/**
 * The body of every `main.ts`: validate config, build, start transports, listen on the app's
 * port, stop on signals. A bad environment exits 1 with every bad variable listed.
 */
export function runApp(define: () => AppDefinition): void {
  start(define).catch((error: unknown) => {
    process.stderr.write(
      `failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}

/** Connects an app's transports (inheriting its global pipes and filters) and starts them. */
export async function startTransports(
  app: INestApplication,
  transports: AppDefinition['transports'],
): Promise<void> {
  const strategies = transports?.(app) ?? [];
  for (const strategy of strategies)
    app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  if (strategies.length > 0) await app.startAllMicroservices();
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
  const app = await createHttpApp(module, config, definition.openApi);
  exitOnSignals(app, config.shutdown);
  await startTransports(app, definition.transports);
  await app.listen(config.http.port, config.http.host);
}
