// npm run bench -- registry [--n 2000] [--seconds 5]
// clients.get through the registry's RPC and in-process service, for a Redis (L2) hit and for a
// miss (PostgreSQL, then the Redis fill), beside a raw Redis GET and a raw PostgreSQL select by
// primary key in the same run.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { loadClientRegistryConfig, RedisConfig } from '@libs/config';
import { RpcClient } from '@libs/messaging';
import { bootApp } from '@libs/testing';
import { defineApp } from '../apps/client-registry/src/app.module';
import { ClientsService } from '../apps/client-registry/src/clients/clients.service';
import { machineLine } from './support/machine';
import { fmt, sequential, throughput } from './support/measure';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 2_000);
const SECONDS = arg('seconds', 5);

async function main(): Promise<void> {
  console.log(machineLine());
  const prefix = `bench:${randomUUID().slice(0, 8)}:`;
  const config = loadClientRegistryConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    REDIS_KEY_PREFIX: prefix,
    SHUTDOWN_DRAIN_MS: '0',
  });
  const app = await bootApp(defineApp(config));
  const service = app.get(ClientsService);
  const rpc = new RpcClient({
    redis: new RedisConfig(config.redis.url, prefix),
    instanceId: `bench-${randomUUID()}`,
  });
  const redis = new Redis(config.redis.url);
  const pg = new Client({ connectionString: config.database.url });
  await pg.connect();
  const ids: string[] = [];
  try {
    for (let i = 0; i < N; i++)
      ids.push((await service.create({ scopes: ['bench'] })).record.client_id);
    const key = (id: string) => `${prefix}client:{${id}}`;
    const evict = () => redis.del(...ids.map(key));

    await evict();
    const rpcMiss = await sequential(N, (i) =>
      rpc.request('client-registry', 'clients.get', { client_id: ids[i] }),
    );
    const rpcHit = await sequential(N, (i) =>
      rpc.request('client-registry', 'clients.get', { client_id: ids[i] }),
    );
    await evict();
    const svcMiss = await sequential(N, (i) => service.get(ids[i]));
    const svcHit = await sequential(N, (i) => service.get(ids[i]));
    const rawGet = await sequential(N, (i) => redis.get(key(ids[i])));
    const rawSelect = await sequential(N, (i) =>
      pg.query('SELECT * FROM client_registry.clients WHERE client_id = $1', [ids[i]]),
    );

    console.log(`\nlatency, one call at a time (${N} clients):`);
    console.log(`  clients.get RPC, L2 hit      ${fmt(rpcHit)}`);
    console.log(`  clients.get RPC, miss        ${fmt(rpcMiss)}`);
    console.log(`  ClientsService.get, L2 hit   ${fmt(svcHit)}`);
    console.log(`  ClientsService.get, miss     ${fmt(svcMiss)}`);
    console.log(`  raw Redis GET                ${fmt(rawGet)}`);
    console.log(`  raw PostgreSQL select by PK  ${fmt(rawSelect)}`);

    const tRpc = await throughput(SECONDS, 50, (i) =>
      rpc.request('client-registry', 'clients.get', { client_id: ids[i % N] }),
    );
    const tSvc = await throughput(SECONDS, 50, (i) => service.get(ids[i % N]));
    const tGet = await throughput(SECONDS, 50, (i) => redis.get(key(ids[i % N])));
    console.log(`\nthroughput, 50 concurrent callers, ${SECONDS} s, L2 hits:`);
    console.log(`  clients.get RPC      ${tRpc.toFixed(0)} /s`);
    console.log(
      `  ClientsService.get   ${tSvc.toFixed(0)} /s   (${(tSvc / tGet).toFixed(2)}× raw Redis GET)`,
    );
    console.log(`  raw Redis GET        ${tGet.toFixed(0)} /s`);
    console.log(
      `\nratios: service hit p50 / raw GET p50 = ${(svcHit.p50 / rawGet.p50).toFixed(2)}×; service miss p50 / raw select p50 = ${(svcMiss.p50 / rawSelect.p50).toFixed(2)}×`,
    );
    // Leave the database as it was.
    await pg.query(
      'DELETE FROM client_registry.outbox WHERE id IN (SELECT outbox_id FROM client_registry.outbox_changes WHERE client_id = ANY($1::uuid[]))',
      [ids],
    );
    await pg.query('DELETE FROM client_registry.clients WHERE client_id = ANY($1::uuid[])', [ids]);
  } finally {
    await rpc.close();
    redis.disconnect();
    await pg.end();
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
