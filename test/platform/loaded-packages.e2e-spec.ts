import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, spawnReadyApp, testEnv } from '@libs/testing';
import { APPS } from './apps';

const PRELOAD = resolve(__dirname, 'loaded-packages.preload.js');
/** What an app that keeps no state in PostgreSQL and serves no OpenAPI document must not load. */
const UNNEEDED = ['typeorm', '@nestjs/typeorm', 'pg', '@nestjs/swagger'];

// Every module loaded is memory held for the life of the process (the mail relay's RSS budget is
// 200 MB): the apps that store nothing keep the ORM, the database driver and the OpenAPI
// generator out. The registry, which uses all of them, shows that the recording sees them.
describe('packages the built apps load', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loaded-packages-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadedBy(name: string): Promise<string[]> {
    const app = APPS.find((a) => a.name === name)!;
    const port = await freePort();
    const file = join(dir, `${name}.json`);
    const env = testEnv({
      HOST: '127.0.0.1',
      [app.portVariable]: String(port),
      NODE_OPTIONS: `--require ${PRELOAD}`,
      LOADED_PACKAGES_FILE: file,
    });
    const running = await spawnReadyApp(name, env, port);
    expect(await running.stop('SIGTERM')).toBe(0);
    return JSON.parse(await readFile(file, 'utf8')) as string[];
  }

  it.each(['event-consumer', 'mail-relay'])(
    '%s loads no ORM, driver or OpenAPI generator',
    async (name) => {
      const loaded = await loadedBy(name);
      expect(loaded).toEqual(expect.arrayContaining(['@nestjs/core', 'ioredis']));
      expect(UNNEEDED.filter((p) => loaded.includes(p))).toEqual([]);
    },
    60_000,
  );

  it('client-registry loads them (it stores clients and serves /docs)', async () => {
    expect(await loadedBy('client-registry')).toEqual(expect.arrayContaining(UNNEEDED));
  }, 60_000);
});
