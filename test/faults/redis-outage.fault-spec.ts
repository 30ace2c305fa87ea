import {
  freePort,
  PrivateRedis,
  spawnApp,
  statusOf,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';
import { APPS } from '../platform/apps';

// Every app as a real process against a private Redis that the test kills and restarts.
describe('a Redis outage', () => {
  let redis: PrivateRedis;
  const running: { name: string; port: number; proc: RunningProcess }[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    for (const app of APPS) {
      const port = await freePort();
      const env = testEnv({
        REDIS_URL: redis.url,
        [app.portVariable]: String(port),
        HOST: '127.0.0.1',
      });
      running.push({ name: app.name, port, proc: spawnApp(app.name, env) });
    }
    await Promise.all(
      running.map(({ name, port, proc }) =>
        waitFor(
          `${name} ready\n${proc.output()}`,
          async () => (await statusOf(`http://127.0.0.1:${port}/health/ready`)) === 200,
          30_000,
        ),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map(({ proc }) => proc.stop('SIGKILL')));
    await redis.kill();
  });

  it('turns every app unready within seconds, keeps them live, and recovers', async () => {
    await redis.kill();
    await Promise.all(
      running.map(({ name, port }) =>
        waitFor(
          `${name} unready`,
          async () => (await statusOf(`http://127.0.0.1:${port}/health/ready`)) === 503,
          5_000,
        ),
      ),
    );
    for (const { port } of running)
      expect(await statusOf(`http://127.0.0.1:${port}/health/live`)).toBe(200);

    await redis.resume();
    await Promise.all(
      running.map(({ name, port }) =>
        waitFor(
          `${name} ready again`,
          async () => (await statusOf(`http://127.0.0.1:${port}/health/ready`)) === 200,
          10_000,
        ),
      ),
    );
  }, 30_000);

  it('exits every app with code 0 on SIGTERM', async () => {
    const codes = await Promise.all(running.map(({ proc }) => proc.stop('SIGTERM')));
    expect(codes).toEqual(running.map(() => 0));
  }, 30_000);
});
