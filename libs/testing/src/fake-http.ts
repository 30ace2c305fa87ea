import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a fake server saw it. */
export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What a fake server answers; an object body is sent as JSON. */
export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | object;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** A running fake HTTP server. */
export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>` by default: the bound host, or loopback when bound to all. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Where a fake listens: 127.0.0.1 and a free port unless told otherwise (demos fix both). */
export interface FakeListenOptions {
  readonly host?: string;
  /** 0 or unset: any free port. */
  readonly port?: number;
}

/** An HTTP server answering every request with `handler` (a free loopback port by default). */
export async function startFakeHttp(
  handler: FakeHandler,
  listen: FakeListenOptions = {},
): Promise<FakeHttpServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve()
        .then(() => handler(request))
        .catch((error: unknown): FakeResponse => ({ status: 500, body: { error: String(error) } }))
        .then((answer) => {
          const isJson = typeof answer.body === 'object';
          const body = isJson ? JSON.stringify(answer.body) : (answer.body ?? '');
          res.writeHead(answer.status, {
            ...(isJson ? { 'content-type': 'application/json' } : {}),
            ...answer.headers,
          });
          res.end(body);
        })
        .catch(() => res.destroy());
    });
  });
  const host = listen.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(listen.port ?? 0, host, done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${reachableHost(host)}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** How this machine reaches a server bound to `host` (through loopback when it is a wildcard). */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Form fields of an `application/x-www-form-urlencoded` body. */
export function formFields(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
