import { RequestExecutor, type FetchLike } from './request-executor';

const request = (url: string, method = 'GET') => ({
  requestId: 'r-1',
  url,
  method: method as 'GET',
  headers: { Accept: 'application/json', Authorization: 'Bearer from-the-server', Cookie: 'x' },
});

function recordingFetch(response: () => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return response();
  };
  return { calls, fetch };
}

const executor = (fetch: FetchLike, overrides = {}) =>
  new RequestExecutor({
    discogsToken: 'secret-token',
    fetch,
    maxBodyBytes: 64,
    timeoutMs: 1_000,
    ...overrides,
  });

describe('RequestExecutor', () => {
  it('calls Discogs with the user token and only the headers it allows, and reports the answer', async () => {
    const { calls, fetch } = recordingFetch(
      () =>
        new Response('{"ok":true}', {
          status: 200,
          headers: {
            'X-Discogs-Ratelimit-Remaining': '59',
            'Set-Cookie': 'a=b',
            'Content-Type': 'application/json',
          },
        }),
    );
    const answer = await executor(fetch).execute(request('https://api.discogs.com/oauth/identity'));
    expect(calls[0].url).toBe('https://api.discogs.com/oauth/identity');
    expect(calls[0].init.headers).toEqual({
      Accept: 'application/json',
      Authorization: 'Discogs token=secret-token',
    });
    expect(answer).toEqual({
      requestId: 'r-1',
      status: 200,
      body: '{"ok":true}',
      headers: { 'x-discogs-ratelimit-remaining': '59', 'content-type': 'application/json' },
    });
  });

  it('refuses a URL to another host without sending anything (the token never leaves)', async () => {
    const { calls, fetch } = recordingFetch(() => new Response('x'));
    const answer = await executor(fetch).execute(request('https://evil.example/steal'));
    expect(calls).toHaveLength(0);
    expect(answer).toMatchObject({ status: 0, error: 'refusing a request to evil.example' });
  });

  it('refuses methods other than GET', async () => {
    const { calls, fetch } = recordingFetch(() => new Response('x'));
    const answer = await executor(fetch).execute(
      request('https://api.discogs.com/oauth/identity', 'DELETE'),
    );
    expect(calls).toHaveLength(0);
    expect(answer.error).toBe('refusing method DELETE');
  });

  it('sends the request to the loopback override when one is set', async () => {
    const { calls, fetch } = recordingFetch(() => new Response('{}'));
    await executor(fetch, { overrideOrigin: 'http://127.0.0.1:9' }).execute(
      request('https://api.discogs.com/users/a/wants?page=1'),
    );
    expect(calls[0].url).toBe('http://127.0.0.1:9/users/a/wants?page=1');
  });

  it('gives up on a body above the size limit', async () => {
    const { fetch } = recordingFetch(() => new Response('x'.repeat(65)));
    const answer = await executor(fetch).execute(request('https://api.discogs.com/oauth/identity'));
    expect(answer).toEqual({
      requestId: 'r-1',
      status: 0,
      headers: {},
      body: '',
      error: 'response body too large',
    });
  });

  it('reports a network failure as status 0', async () => {
    const answer = await executor(async () => {
      throw new TypeError('fetch failed');
    }).execute(request('https://api.discogs.com/oauth/identity'));
    expect(answer).toMatchObject({ status: 0, error: 'TypeError: fetch failed' });
  });
});
