import { randomUUID } from 'node:crypto';
import { RedisConfig } from '@libs/config';
import { RpcClient } from '@libs/messaging';
import { RemoteError, type ClientRecord } from '@libs/models';
import {
  freePort,
  spawnReadyApp,
  TEST_ADMIN_TOKEN,
  testEnv,
  type RunningProcess,
} from '@libs/testing';

// The registry as a real process; this test process is the RPC caller.
describe('client-registry RPC from another process', () => {
  let registry: RunningProcess;
  let rpc: RpcClient;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    const env = testEnv({ CLIENT_REGISTRY_PORT: String(port), HOST: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    registry = await spawnReadyApp('client-registry', env, port);
    rpc = new RpcClient({
      redis: new RedisConfig(env.REDIS_URL!, env.REDIS_KEY_PREFIX!),
      instanceId: `test-${randomUUID()}`,
    });
  }, 60_000);

  afterAll(async () => {
    await rpc.close();
    await registry.stop('SIGKILL');
  });

  it('answers clients.get with the record (hashes included, for internal callers)', async () => {
    const res = await fetch(`${base}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['orders:read'] }),
    });
    const { client } = (await res.json()) as { client: ClientRecord };
    const record = await rpc.request<ClientRecord>('client-registry', 'clients.get', {
      client_id: client.client_id,
    });
    expect(record).toMatchObject({
      client_id: client.client_id,
      scopes: ['orders:read'],
      status: 'ACTIVE',
    });
    expect(record.client_secret_hash).toMatch(/^sha256\$[0-9a-f]{64}$/);
  });

  it('answers an unknown client with { code: 65006 }', async () => {
    const error = await rpc
      .request('client-registry', 'clients.get', { client_id: randomUUID() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 65006 });
  });

  it('answers a malformed request with a clear error code', async () => {
    const error = await rpc
      .request('client-registry', 'clients.get', { client_id: 'nope' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 65012, message: 'client_id must be a uuid' });
  });

  it('serves its OpenAPI document at /docs', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
      info: { title: string };
    };
    expect(doc.info.title).toBe('Portico client registry');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/admin/clients',
        '/admin/clients/{clientId}',
        '/admin/clients/{clientId}/rotate-secret',
        '/admin/clients/{clientId}/suspend',
        '/admin/clients/{clientId}/activate',
        '/admin/clients/{clientId}/revoke',
      ]),
    );
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });

  it('stops with code 0 on SIGTERM', async () => {
    expect(await registry.stop('SIGTERM')).toBe(0);
  });
});
