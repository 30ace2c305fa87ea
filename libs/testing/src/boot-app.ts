import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, startTransports, type AppDefinition } from '../../platform/src';

/**
 * Boots an app in this process as `main.ts` would (transports included) without listening:
 * drive it with `app.inject(...)`, or call `listen(0)` for a real socket. Close it with `app.close()`.
 */
export async function bootApp(definition: AppDefinition): Promise<NestFastifyApplication> {
  const app = await createHttpApp(definition.module, definition.config, definition.openApi);
  await startTransports(app, definition.transports);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
