import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@libs/platform';
import { testEnv, waitFor } from '@libs/testing';
import { APPS } from './apps';

describe.each(APPS)('$name boots with probes and metrics', ({ define, defaultPort, readiness }) => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    const { config, module } = define(testEnv());
    port = config.http.port;
    app = await createHttpApp(module, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('listens on its fixed port by default', () => {
    expect(port).toBe(defaultPort);
  });

  it('answers /health/live', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the stores it uses answer', async () => {
    // The Redis connection completes asynchronously after boot; until then readiness is 503.
    const ready = async () =>
      (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200;
    await waitFor('readiness', ready, 5_000);
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    // toMatchObject: an app may add checks of its own (the mail relay's SMTP listener).
    const info = res.json<{ info: Record<string, { status: string }> }>().info;
    for (const dependency of readiness) expect(info[dependency]).toMatchObject({ status: 'up' });
    expect(['postgres', 'redis'].filter((store) => store in info)).toEqual(readiness);
  });

  it('serves Prometheus text with process metrics and the request histogram', async () => {
    await app.inject({ method: 'GET', url: '/health/live' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE http_request_duration_seconds histogram');
    // The +Inf bucket counts every observation: the probe is recorded with its labels, however
    // long it took on a busy machine (a 5 ms bucket failed once when boot had stalled the loop).
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{le="\+Inf",app="[a-z-]+",method="GET",route="\/health\/live",status_code="200"\} [1-9]/,
    );
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('answers unknown routes with the documented error shape and echoes the correlation id', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/nope',
      headers: { 'x-correlation-id': 'corr-42' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-correlation-id']).toBe('corr-42');
    expect(res.json()).toEqual({
      error: { code: 'not_found', message: expect.any(String), correlationId: 'corr-42' },
    });
  });

  it('turns readiness false as soon as shutdown begins while liveness stays', async () => {
    const { ShutdownState } = await import('@libs/observability');
    app.get(ShutdownState).begin();
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});
