import type { IncomingMessage } from 'node:http';
import { Logger as NestLogger, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { BaseConfig } from '@libs/config';
import { requestCorrelationId } from '@libs/observability';
import { AppErrorFilter } from './app-error.filter';
import { closeKeepAliveWhileDraining } from './keep-alive-drain';

/** Title and description of an app's OpenAPI document. */
export interface OpenApiOptions {
  title: string;
  description: string;
}

/** Request bodies above this are refused with 413 before any handler runs. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds (but does not start) an app on Fastify with Portico's logger and error shape. */
export async function createHttpApp(
  module: DynamicModule,
  config: BaseConfig,
  openApi?: OpenApiOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.http.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    // Idle keep-alive sockets are closed on shutdown so `close()` does not wait for clients.
    forceCloseConnections: 'idle',
    // A request that reached a connection still open while the server closes is served, not
    // refused with 503: it was accepted, and Redis and PostgreSQL close only after the server.
    return503OnClosing: false,
    // Fastify's request id is the correlation id, so every log line of a request agrees.
    genReqId: (req: IncomingMessage) => requestCorrelationId(req),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    // Throw boot errors to the caller (runApp exits 1; tests see the error) instead of exiting here.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  closeKeepAliveWhileDraining(app);
  app.useGlobalFilters(new AppErrorFilter());
  // Only parameters typed with a DTO class are validated; unknown fields are refused.
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  if (openApi) {
    // OpenAPI document of the app's REST API at /docs (UI) and /docs-json. Loaded only here:
    // @nestjs/swagger costs ~12 MB of RSS, which the apps without such a document are spared.
    const { DocumentBuilder, SwaggerModule } = await import('@nestjs/swagger');
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(openApi.title)
        .setDescription(openApi.description)
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document);
  }
  const logger = new NestLogger('Bootstrap');
  for (const warning of config.warnings) logger.warn(`!!! ${warning}`);
  return app;
}
