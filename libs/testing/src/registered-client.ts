import { TEST_ADMIN_TOKEN } from './test-env';

/** A client registered through the operator API, with its one-time secret. */
export interface RegisteredTestClient {
  id: string;
  secret: string;
  /** `Basic` credentials of id and secret (both URL-safe, so no form-encoding is needed). */
  authorization: string;
}

/** Registers a client through a running registry's `POST /admin/clients` (test admin token). */
export async function registerTestClient(
  registryUrl: string,
  body: object = { scopes: ['orders:read'] },
): Promise<RegisteredTestClient> {
  const res = await fetch(`${registryUrl}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201)
    throw new Error(`client not registered: ${res.status} ${await res.text()}`);
  const { client, client_secret } = (await res.json()) as {
    client: { client_id: string };
    client_secret: string;
  };
  const basic = Buffer.from(`${client.client_id}:${client_secret}`).toString('base64');
  return { id: client.client_id, secret: client_secret, authorization: `Basic ${basic}` };
}
