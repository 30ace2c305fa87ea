import {
  FakeBricklinkApi,
  hmacSha1Signature,
  parseOAuthHeader,
  signatureBaseString,
} from '@libs/testing';
import { BricklinkClient } from './bricklink.client';
import { ProviderClientError, ProviderClientErrorCode } from './provider-client.errors';

// OAuth Core 1.0 Appendix A.5 (the photos.example.net example, with oauth_version=1.0).
const SPEC = {
  consumerKey: 'dpf43f3p2l4k3l03',
  consumerSecret: 'kd94hf93k423kf44',
  tokenValue: 'nnch734d00sl2jdk',
  tokenSecret: 'pfkkdhi9sl3r4s00',
  nonce: 'kllo9940pd9333jh',
  timestamp: 1191242096,
  url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
  baseString:
    'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal',
  signature: 'tR3+Ty81lMeYAr/Fid0kMTYa/WM=',
};

const CREDENTIALS = {
  provider: 'bricklink' as const,
  consumerKey: 'ck-portico',
  consumerSecret: 'cs secret/with&odd=chars',
  tokenValue: 'tv-portico',
  tokenSecret: 'ts-secret',
};

describe('Bricklink OAuth 1.0a signing', () => {
  it('reproduces the published HMAC-SHA1 example byte for byte', () => {
    const client = new BricklinkClient(
      { provider: 'bricklink', ...SPEC },
      { nonce: () => SPEC.nonce, timestamp: () => SPEC.timestamp },
    );
    const header = parseOAuthHeader(client.authorization('GET', SPEC.url))!;
    expect(header.get('oauth_signature')).toBe(SPEC.signature);
    expect(header.get('oauth_version')).toBe('1.0');

    // The independent reference implementation agrees on both steps.
    const params = [...new URL(SPEC.url).searchParams, ...header];
    const base = signatureBaseString('GET', new URL(SPEC.url), params);
    expect(base).toBe(SPEC.baseString);
    expect(hmacSha1Signature(base, SPEC.consumerSecret, SPEC.tokenSecret)).toBe(SPEC.signature);
  });

  it('checks the reference normalization against RFC 5849 §3.4.1.1', () => {
    const url = new URL('http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b');
    const params: [string, string][] = [
      ...[...url.searchParams].map(([k, v]): [string, string] => [k, v]),
      ['c2', ''],
      ['a3', '2 q'],
      ['oauth_consumer_key', '9djdj82h48djs9d2'],
      ['oauth_token', 'kkk9d7dh3k39sjv7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', '7d8f3e4a'],
      ['oauth_signature', 'ignored'],
      ['realm', 'Example'],
    ];
    expect(signatureBaseString('POST', url, params)).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it('signs query and form parameters with special characters as RFC 5849 prescribes', () => {
    const client = new BricklinkClient(CREDENTIALS);
    const url =
      'https://api.bricklink.com/api/store/v1/items/PART/3001?name=2%C3%974%20brick&x=%21%2A';
    const form = { note: "it's (50%) off", empty: '' };
    const header = parseOAuthHeader(client.authorization('post', url, form))!;
    const params = [...new URL(url).searchParams, ...Object.entries(form), ...header];
    const base = signatureBaseString('POST', new URL(url), params);
    const expected = hmacSha1Signature(base, CREDENTIALS.consumerSecret, CREDENTIALS.tokenSecret);
    expect(header.get('oauth_signature')).toBe(expected);
    expect(header.get('oauth_nonce')).not.toBe(
      parseOAuthHeader(client.authorization('GET', url))!.get('oauth_nonce'),
    );
  });
});

describe('BricklinkClient against a verifying fake Bricklink', () => {
  let api: FakeBricklinkApi;
  beforeEach(async () => (api = await FakeBricklinkApi.start(CREDENTIALS)));
  afterEach(() => api.close());

  it('is accepted, with query parameters and a JSON body', async () => {
    const client = new BricklinkClient(CREDENTIALS, { baseUrl: api.baseUrl });
    const data = await client.request<{ path: string; query: Record<string, string> }>(
      'GET',
      '/orders',
      {
        query: { direction: 'in', status: 'PENDING,COMPLETED', filed: false, note: 'a b' },
      },
    );
    expect(data).toMatchObject({
      path: '/api/store/v1/orders',
      query: { direction: 'in', status: 'PENDING,COMPLETED', filed: 'false', note: 'a b' },
    });
    await client.request('PUT', '/orders/42', { body: { remarks: 'signed, not hashed' } });
    expect(api.accepted).toBe(2);
    expect(api.rejections).toEqual([]);
  });

  it("is rejected with a wrong secret, surfacing Bricklink's code", async () => {
    const client = new BricklinkClient(
      { ...CREDENTIALS, tokenSecret: 'wrong' },
      { baseUrl: api.baseUrl },
    );
    const error = await client.request('GET', '/inventories').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderClientError);
    expect(error).toMatchObject({
      code: ProviderClientErrorCode.UpstreamFailed,
      upstreamStatus: 401,
    });
    expect(api.rejections).toEqual(['signature mismatch']);
  });

  it('cannot be used after dispose()', () => {
    const client = new BricklinkClient(CREDENTIALS, { baseUrl: api.baseUrl });
    client.dispose();
    expect(() => client.authorization('GET', api.baseUrl)).toThrow(
      expect.objectContaining({ code: ProviderClientErrorCode.Disposed }),
    );
  });
});
