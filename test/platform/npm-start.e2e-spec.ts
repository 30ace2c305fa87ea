import { freePort, spawnNode, statusOf, testEnv, waitFor } from '@libs/testing';
import { APPS } from './apps';

// What `npm start` runs (scripts/start.js), on free ports against the test database.
describe('npm start', () => {
  it('brings all five apps to ready within 60 s and stops them all with code 0', async () => {
    const ports: Record<string, string> = {};
    for (const app of APPS) ports[app.portVariable] = String(await freePort());
    const platform = spawnNode(
      'scripts/start.js',
      testEnv({ ...ports, NODE_ENV: 'development', LOG_LEVEL: 'info' }),
    );
    try {
      await Promise.all(
        APPS.map((app) =>
          waitFor(
            `${app.name} ready`,
            async () =>
              (await statusOf(`http://127.0.0.1:${ports[app.portVariable]}/health/ready`)) === 200,
            60_000,
          ),
        ),
      );
    } finally {
      platform.child.kill('SIGINT');
    }
    expect(await platform.exited).toBe(0);
    for (const app of APPS) expect(platform.output()).toContain(`${app.name} exited with code 0`);
  }, 90_000);
});
