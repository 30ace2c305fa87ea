import type { Server, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { ShutdownState } from '@libs/observability';

/**
 * Once shutdown has begun, every response carries `Connection: close`: keep-alive clients
 * finish the request they sent and open their next connection to a pod that stays, so no
 * request arrives on an old connection after the listener closed (Fastify would answer it 503).
 * Prepended to the server's `request` listeners so it runs before Fastify routes anything.
 */
export function closeKeepAliveWhileDraining(app: INestApplication): void {
  const shutdown = app.get(ShutdownState);
  const server = app.getHttpServer() as Server;
  server.prependListener('request', (_request, response: ServerResponse) => {
    if (shutdown.shuttingDown) response.setHeader('Connection', 'close');
  });
}
