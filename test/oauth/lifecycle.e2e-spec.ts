import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAuthConfig } from '@libs/config';
import { adminEvent, bootApp, sha256Of, waitFor } from '@libs/testing';
import { defineApp as defineAuth } from '../../apps/auth/src/app.module';
import { AdminEventsHarness } from '../events/admin-events.harness';
import { basic } from './oauth-harness';

const CLIENTS = 20;

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// Admin Service → event-consumer → registry → change stream → every auth instance's L1.
describe('client lifecycle across the platform', () => {
  let events: AdminEventsHarness;
  const auths: NestFastifyApplication[] = [];

  beforeAll(async () => {
    events = await AdminEventsHarness.start({ ISSUER: 'http://127.0.0.1:3000' });
    for (let i = 0; i < 2; i++) auths.push(await bootApp(defineAuth(loadAuthConfig(events.env))));
  }, 60_000);

  afterAll(async () => {
    for (const auth of auths) await auth.close();
    await events.close();
  });

  const token = (auth: NestFastifyApplication, id: string, secret: string) =>
    auth.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: {
        authorization: basic(id, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });

  it('refuses a suspended client on every auth instance, reporting the delay', async () => {
    const clients = Array.from({ length: CLIENTS }, (_, i) => ({
      secret: `secret-${i}-${Date.now()}`,
      i,
    }));
    const created = clients.map(({ secret }) =>
      adminEvent('client.created', { version: 1, client_secret_hash: sha256Of(secret) }),
    );
    await events.publish(created);
    // Both instances serve every client from their in-process cache before the suspension.
    for (const auth of auths) {
      for (const [n, event] of created.entries()) {
        await waitFor(
          'client usable',
          async () =>
            (await token(auth, event.payload.client_id, clients[n].secret)).statusCode === 200,
          10_000,
        );
      }
    }
    const suspended = created.map((e) =>
      adminEvent('client.suspended', { client_id: e.payload.client_id, version: 2 }),
    );
    const published = performance.now();
    await events.publish(suspended);
    const delays: number[] = [];
    await Promise.all(
      auths.flatMap((auth) =>
        created.map(async (event, n) => {
          await waitFor(
            'refused',
            async () =>
              (await token(auth, event.payload.client_id, clients[n].secret)).statusCode === 401,
            10_000,
          );
          delays.push(performance.now() - published);
        }),
      ),
    );
    expect(delays).toHaveLength(CLIENTS * auths.length);
    console.log(
      `suspend → refused on ${auths.length} auth instances, ${CLIENTS} clients: p50 ${percentile(delays, 0.5).toFixed(0)} ms, p99 ${percentile(delays, 0.99).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms (target p99 ≤ 1 000 ms)`,
    );
  }, 60_000);
});
