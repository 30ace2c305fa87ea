import {
  startFakeHttp,
  type FakeHttpServer,
  type FakeListenOptions,
  type FakeRequest,
  type FakeResponse,
} from './fake-http';
import { discogsPage, type FakeDiscogsUser } from './fake-discogs-data';

export { type FakeDiscogsUser } from './fake-discogs-data';

export interface FakeDiscogsOptions extends FakeListenOptions {
  users: readonly FakeDiscogsUser[];
  /** Requests allowed per token in the moving window (Discogs: 60). */
  limit?: number;
  /** Length of the moving window (Discogs: 60 000 ms); scale it down in tests. */
  windowMs?: number;
  /** Told of every answer (a demo logs them). */
  onHit?(hit: FakeDiscogsHit): void;
}

/** A scripted failure: the next `times` requests whose path and query contain `pathIncludes`. */
export interface FakeDiscogsFailure {
  status: number;
  times: number;
  pathIncludes?: string;
}

/** One request the fake answered (arrival time in ms since the epoch). */
export interface FakeDiscogsHit {
  readonly at: number;
  readonly path: string;
  readonly status: number;
  readonly username: string | undefined;
}

const RATE_HEADERS = [
  'X-Discogs-Ratelimit',
  'X-Discogs-Ratelimit-Used',
  'X-Discogs-Ratelimit-Remaining',
];
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': [...RATE_HEADERS, 'Retry-After'].join(', '),
};

/**
 * A local stand-in for api.discogs.com: identity, paginated collections and wantlists, and the
 * real rate limit (per token, moving window, `X-Discogs-Ratelimit*` headers, 429 when exceeded),
 * with CORS for browser clients. For tests and demos.
 */
export class FakeDiscogs {
  readonly hits: FakeDiscogsHit[] = [];
  private readonly windows = new Map<string, number[]>();
  private readonly failures: FakeDiscogsFailure[] = [];
  private server!: FakeHttpServer;
  readonly limit: number;
  readonly windowMs: number;

  private constructor(private readonly options: FakeDiscogsOptions) {
    this.limit = options.limit ?? 60;
    this.windowMs = options.windowMs ?? 60_000;
  }

  static async start(options: FakeDiscogsOptions): Promise<FakeDiscogs> {
    const fake = new FakeDiscogs(options);
    fake.server = await startFakeHttp((request) => fake.answer(request), options);
    return fake;
  }

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return this.server.origin;
  }

  /** Answers the next matching requests with `status` (they count against the rate limit). */
  fail(failure: FakeDiscogsFailure): void {
    this.failures.push({ ...failure });
  }

  /** How many answers had `status` (e.g. 429). */
  count(status: number, username?: string): number {
    return this.hits.filter((h) => h.status === status && (!username || h.username === username))
      .length;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private answer(request: FakeRequest): FakeResponse {
    if (request.method === 'OPTIONS') return preflight();
    const user = this.userOf(request.headers.authorization);
    const path = request.url.pathname;
    const respond = (status: number, body: object, headers: Record<string, string> = {}) => {
      const hit = { at: Date.now(), path, status, username: user?.username };
      this.hits.push(hit);
      this.options.onHit?.(hit);
      return { status, body, headers: { ...CORS, ...headers } };
    };
    if (request.method !== 'GET') return respond(405, { message: 'Method not allowed.' });
    if (!user) return respond(401, { message: 'You must authenticate to access this resource.' });
    const window = this.admit(user.token);
    if (!window.admitted) {
      return respond(429, { message: 'You are making requests too quickly.' }, window.headers);
    }
    const target = path + request.url.search;
    const failure = this.failures.find((f) => f.times > 0 && target.includes(f.pathIncludes ?? ''));
    if (failure) {
      failure.times -= 1;
      return respond(failure.status, { message: 'scripted failure' }, window.headers);
    }
    const found = route(request.url, user, this.origin);
    return respond(found.status, found.body, window.headers);
  }

  private userOf(authorization: string | undefined): FakeDiscogsUser | undefined {
    const token = /^Discogs token=(\S+)$/.exec(authorization ?? '')?.[1];
    return this.options.users.find((u) => u.token === token);
  }

  /** The moving window of one token: admits and counts, or refuses with remaining 0. */
  private admit(token: string): { admitted: boolean; headers: Record<string, string> } {
    const now = Date.now();
    const sent = (this.windows.get(token) ?? []).filter((t) => t > now - this.windowMs);
    const admitted = sent.length < this.limit;
    if (admitted) sent.push(now);
    this.windows.set(token, sent);
    const headers = {
      [RATE_HEADERS[0]]: String(this.limit),
      [RATE_HEADERS[1]]: String(sent.length),
      [RATE_HEADERS[2]]: String(Math.max(0, this.limit - sent.length)),
    };
    return { admitted, headers: admitted ? headers : { ...headers, 'Retry-After': '1' } };
  }
}

function preflight(): FakeResponse {
  return {
    status: 204,
    headers: {
      ...CORS,
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Accept, Content-Type, User-Agent',
      'Access-Control-Max-Age': '600',
    },
  };
}

function route(url: URL, user: FakeDiscogsUser, origin: string): { status: number; body: object } {
  const path = url.pathname;
  if (path === '/oauth/identity') {
    const { id, username } = user;
    return {
      status: 200,
      body: { id, username, resource_url: `${origin}/users/${username}`, consumer_name: 'test' },
    };
  }
  const match = /^\/users\/([^/]+)\/(collection\/folders\/0\/releases|wants)$/.exec(path);
  if (!match || decodeURIComponent(match[1]) !== user.username) {
    return { status: 404, body: { message: 'The requested resource was not found.' } };
  }
  const kind = match[2] === 'wants' ? 'wants' : 'releases';
  return discogsPage(url, user, kind, origin);
}
