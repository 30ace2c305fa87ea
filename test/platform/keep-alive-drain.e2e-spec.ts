import { Agent, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShutdownState } from '@libs/observability';
import { createHttpApp } from '@libs/platform';
import { testEnv } from '@libs/testing';
import { APPS } from './apps';

// Keep-alive clients are told to reconnect (elsewhere) as soon as shutdown begins, so none of
// them sends a request on an old connection once the listener has closed.
describe('keep-alive connections while an app drains', () => {
  let app: NestFastifyApplication;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    const registry = APPS.find((a) => a.name === 'client-registry')!;
    const { config, module } = registry.define(testEnv());
    app = await createHttpApp(module, config);
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    agent.destroy();
    await app.close();
  });

  const live = () =>
    new Promise<IncomingMessage>((done, fail) => {
      get({ port, host: '127.0.0.1', path: '/health/live', agent }, (res) => {
        res.resume();
        res.on('end', () => done(res));
      }).on('error', fail);
    });

  it('answers with Connection: close once shutdown has begun, and keeps alive before', async () => {
    const before = await live();
    expect(before.headers.connection).toBe('keep-alive');
    app.get(ShutdownState).begin();
    const during = await live();
    expect(during.statusCode).toBe(200);
    expect(during.headers.connection).toBe('close');
  });
});
