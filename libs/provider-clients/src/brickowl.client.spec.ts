import { formFields, startFakeHttp, type FakeHttpServer, type FakeRequest } from '@libs/testing';
import { BrickOwlClient } from './brickowl.client';
import { ProviderClientErrorCode } from './provider-client.errors';

const KEY = 'owl-key-0123456789';

describe('BrickOwlClient', () => {
  let server: FakeHttpServer;
  const seen: FakeRequest[] = [];

  beforeEach(async () => {
    seen.length = 0;
    server = await startFakeHttp((req) => {
      seen.push(req);
      const key = req.url.searchParams.get('key') ?? formFields(req.body).key;
      return key === KEY
        ? { status: 200, body: { ok: true } }
        : { status: 401, body: { error: { status: 'Invalid Key' } } };
    });
  });
  afterEach(() => server.close());

  const client = (apiKey = KEY) =>
    new BrickOwlClient({ provider: 'brickowl', apiKey }, { baseUrl: `${server.origin}/v1` });

  it('sends the key as a query parameter on reads', async () => {
    expect(await client().request('GET', '/inventory/list', { type: 'Part' })).toEqual({
      ok: true,
    });
    expect(seen[0].url.pathname).toBe('/v1/inventory/list');
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({ type: 'Part', key: KEY });
    expect(seen[0].body).toBe('');
  });

  it('sends the key in the form body on writes', async () => {
    await client().request('POST', '/inventory/update', { lot_id: 7, absolute_quantity: 3 });
    expect(seen[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formFields(seen[0].body)).toEqual({ lot_id: '7', absolute_quantity: '3', key: KEY });
    expect(seen[0].url.search).toBe('');
  });

  it('reports a rejected key without repeating it', async () => {
    const error = await client('wrong-key')
      .request('GET', '/user/details')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ProviderClientErrorCode.UpstreamFailed,
      upstreamStatus: 401,
    });
    expect((error as Error).message).not.toContain('wrong-key');
  });

  it('cannot be used after dispose()', async () => {
    const owl = client();
    owl.dispose();
    await expect(owl.request('GET', '/user/details')).rejects.toMatchObject({
      code: ProviderClientErrorCode.Disposed,
    });
  });
});
