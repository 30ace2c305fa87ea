import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAuthConfig, loadClientRegistryConfig, type Env } from '@libs/config';
import { bootApp, TEST_ADMIN_TOKEN, testEnv, waitFor } from '@libs/testing';
import { ClientLookup } from '../../apps/auth/src/clients/client-lookup';
import { defineApp as defineAuth } from '../../apps/auth/src/app.module';
import { defineApp as defineRegistry } from '../../apps/client-registry/src/app.module';

export interface RegisteredClient {
  id: string;
  secret: string;
}

/** The registry and auth booted in this process, sharing one Redis prefix and the test database. */
export class OAuthHarness {
  private constructor(
    readonly registry: NestFastifyApplication,
    readonly auth: NestFastifyApplication,
    readonly env: Env,
  ) {}

  static async start(overrides: Env = {}): Promise<OAuthHarness> {
    const env = testEnv({ ISSUER: 'http://127.0.0.1:3000', HOST: '127.0.0.1', ...overrides });
    const registry = await bootApp(defineRegistry(loadClientRegistryConfig(env)));
    const auth = await bootApp(defineAuth(loadAuthConfig(env)));
    return new OAuthHarness(registry, auth, env);
  }

  async close(): Promise<void> {
    await this.auth.close();
    await this.registry.close();
  }

  /** Registers a client through the operator API. */
  async client(body: object = {}): Promise<RegisteredClient> {
    const res = await this.registry.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      payload: { scopes: ['orders:read', 'orders:write'], ...body },
    });
    if (res.statusCode !== 201) throw new Error(`client not created: ${res.body}`);
    const { client, client_secret } = res.json<{
      client: { client_id: string };
      client_secret: string;
    }>();
    return { id: client.client_id, secret: client_secret };
  }

  /** Waits until auth's in-process cache no longer holds a version of the client older than `version`. */
  async settled(clientId: string, version: number): Promise<void> {
    const lookup = this.auth.get(ClientLookup);
    await waitFor(
      `auth L1 at v${version}`,
      () => (lookup.getIfPresent(clientId)?.version ?? version) >= version,
      5_000,
    );
  }

  /** Reads a client through the operator API, which fills its Redis copy (cache-aside). */
  async warm(clientId: string): Promise<void> {
    await this.registry.inject({
      method: 'GET',
      url: `/admin/clients/${clientId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
  }

  async operator(
    action: 'suspend' | 'activate' | 'revoke' | 'rotate-secret',
    clientId: string,
    payload: object = {},
  ) {
    return this.registry.inject({
      method: 'POST',
      url: `/admin/clients/${clientId}/${action}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      payload,
    });
  }

  /** POSTs a form to an auth endpoint. */
  post(url: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form))
      for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
    return this.auth.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: body.toString(),
    });
  }
}

/** RFC 6749 Appendix B: Basic credentials of form-encoded id and secret. */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
