import { randomUUID } from 'node:crypto';
import { RedisConfig, type Env } from '@libs/config';
import { RpcClient } from '@libs/messaging';
import { PROVIDERS } from '@libs/provider-clients';
import {
  freePort,
  spawnApp,
  spawnReadyApp,
  spawnNode,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';
import { putRequest, scratchDatabase, type ScratchDatabase } from './credentials-fixtures';

const CLI = 'dist/apps/client-registry/src/credentials/credentials-cli.main.js';
const ROWS = 60;
/** Bounds of the read loop: it stops after this long or this many reads, whichever comes first. */
const LOOP_MAX_MS = 60_000;
const LOOP_MAX_READS = 200_000;

type Put = ReturnType<typeof putRequest>;

// Rotation and re-encryption with the real command line while the registry keeps serving
// reads, on a database of its own (the shared test database's keys belong to every test).
describe('credentials re-encryption while the registry serves reads', () => {
  let db: ScratchDatabase;
  let env: Env;
  let registry: RunningProcess;
  let rpc: RpcClient;
  const rows: Put[] = [];

  async function cli(...args: string[]): Promise<{ code: number | null; output: string }> {
    const run = spawnNode(CLI, env, args);
    const code = await run.exited;
    return { code, output: run.output() };
  }

  const read = (row: Put) =>
    rpc.request<{ credentials: object }>('client-registry', 'credentials.get', {
      user_id: row.user_id,
      provider: row.provider,
    });
  const keyIds = async () =>
    (
      await db.dataSource.query(
        'SELECT DISTINCT key_id FROM client_registry.user_oauth_credentials',
      )
    ).map((r: { key_id: string | null }) => r.key_id);
  const currentKey = async () =>
    (await db.dataSource.query('SELECT key_id FROM client_registry.data_keys WHERE is_current'))[0]
      .key_id as string;

  beforeAll(async () => {
    db = await scratchDatabase();
    const port = await freePort();
    env = testEnv({ DATABASE_URL: db.url, CLIENT_REGISTRY_PORT: String(port), HOST: '127.0.0.1' });
    registry = await spawnReadyApp('client-registry', env, port);
    rpc = new RpcClient({
      redis: new RedisConfig(env.REDIS_URL!, env.REDIS_KEY_PREFIX!),
      instanceId: `test-${randomUUID()}`,
    });
    for (let i = 0; i < ROWS; i++) {
      const row = putRequest(PROVIDERS[i % PROVIDERS.length], `reader/${i}`);
      await rpc.request('client-registry', 'credentials.put', row);
      rows.push(row);
    }
  }, 60_000);

  afterAll(async () => {
    await rpc.close();
    await registry.stop('SIGTERM');
    await db.drop();
  });

  it('moves every row to a new key id with no read lost or unreadable, then retires nothing too early', async () => {
    const before = await currentKey();
    expect(await keyIds()).toEqual([before]);
    const failures: unknown[] = [];
    let reads = 0;
    let stop = false;
    const started = Date.now();
    const reader = async () => {
      while (!stop && reads < LOOP_MAX_READS && Date.now() - started < LOOP_MAX_MS) {
        const row = rows[reads++ % rows.length];
        try {
          expect((await read(row)).credentials).toEqual({
            provider: row.provider,
            ...row.credentials,
          });
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const readers = [reader(), reader(), reader()];
    await waitFor('reads under way', () => reads > ROWS);
    const readsBeforePass = reads;
    const pass = await cli('reencrypt', '--rotate', '--batch-size', '7');
    const readsDuringPass = reads;
    await waitFor('more reads after the pass', () => reads > readsDuringPass + ROWS);
    stop = true;
    await Promise.all(readers);

    expect(pass).toMatchObject({ code: 0 });
    expect(readsDuringPass).toBeGreaterThan(readsBeforePass);
    const after = await currentKey();
    expect(after).not.toBe(before);
    const moved = /(\d+) of (\d+) values moved/.exec(pass.output);
    expect(moved?.[1]).toBe(moved?.[2]);
    expect(Number(moved?.[1])).toBeGreaterThanOrEqual(ROWS);
    expect(failures).toEqual([]);
    expect(await keyIds()).toEqual([after]);
    for (const row of rows)
      expect((await read(row)).credentials).toEqual({ provider: row.provider, ...row.credentials });

    const again = await cli('reencrypt');
    expect(again).toMatchObject({
      code: 0,
      output: expect.stringContaining(`re-encryption to ${after}: 0 of 0 values moved`),
    });
    const status = await cli('status');
    expect(status.output).toMatch(new RegExp(`${after}\\s+current .* rows ${ROWS}\\n`));
    expect(status.output).toMatch(new RegExp(`${before}\\s+created .* rows 0\\n`));
    // Pods may still write with the old key until their key ring refreshes: too early to retire.
    const retire = await cli('retire', before);
    expect(retire).toMatchObject({
      code: 1,
      output: expect.stringContaining(`data key ${after} became current less than`),
    });
    expect(await registry.stop('SIGTERM')).toBe(0);
    expect(registry.output()).not.toContain('canary-');
  }, 120_000);

  it('refuses to start with a KEK that cannot unwrap the stored data keys', async () => {
    const other = spawnApp('client-registry', {
      ...env,
      CLIENT_REGISTRY_PORT: String(await freePort()),
      PORTICO_KEK: Buffer.alloc(32, 42).toString('base64'),
    });
    expect(await other.exited).toBe(1);
    expect(other.output()).toContain('cannot open the credential key ring: data key dk-');
    expect(other.output()).toContain('which is not configured (PORTICO_KEK_PREVIOUS?)');
  }, 60_000);
});
