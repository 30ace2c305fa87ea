import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  formFields,
  startFakeHttp,
  type FakeHttpServer,
  type FakeListenOptions,
  type FakeRequest,
  type FakeResponse,
} from './fake-http';

/** A mailbox with its OAuth client and refresh token, as a test configures it. */
export interface Xoauth2TestAccount {
  readonly email: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/** How the endpoint misbehaves until told otherwise. */
export type TokenEndpointMode =
  { readonly status: number; readonly error?: string } | { readonly hangMs: number };

interface Issued {
  readonly email: string;
  expiresAt: number;
}

/** A test account with unique, recognisable secrets (canary tests search logs for them). */
export function xoauth2TestAccount(email: string): Xoauth2TestAccount {
  const tag = randomBytes(6).toString('hex');
  return {
    email,
    clientId: `client-${tag}`,
    clientSecret: `canary-client-secret-${tag}`,
    refreshToken: `canary-refresh-token-${tag}`,
  };
}

/**
 * A provider's OAuth 2.0 token endpoint for many mailboxes (127.0.0.1 by default): answers
 * `refresh_token` grants with opaque access tokens and tells a fake SMTP server who owns a
 * token, so the server can verify XOAUTH2 exactly as Gmail or Outlook would.
 */
export class FakeXoauth2TokenEndpoint {
  /** Mode of every answer until set back to undefined. */
  mode: TokenEndpointMode | undefined;
  readonly #accounts = new Map<string, Xoauth2TestAccount>();
  readonly #tokens = new Map<string, Issued>();
  readonly #refreshes = new Map<string, number>();
  #requests = 0;

  private constructor(
    private readonly server: FakeHttpServer,
    private readonly expiresIn: number,
  ) {}

  /** `expiresIn`: lifetime of issued tokens in seconds (default 3600). */
  static async start(
    options: FakeListenOptions & { expiresIn?: number } = {},
  ): Promise<FakeXoauth2TokenEndpoint> {
    // The server needs the endpoint to answer and the endpoint needs the server: tie them late.
    const self: { endpoint?: FakeXoauth2TokenEndpoint } = {};
    const server = await startFakeHttp((req) => self.endpoint!.answer(req), options);
    self.endpoint = new FakeXoauth2TokenEndpoint(server, options.expiresIn ?? 3600);
    return self.endpoint;
  }

  get url(): string {
    return `${this.server.origin}/token`;
  }

  /** Every request received, failed ones included. */
  get requests(): number {
    return this.#requests;
  }

  addAccount(account: Xoauth2TestAccount): void {
    this.#accounts.set(account.refreshToken, account);
  }

  /** Successful refreshes, for one mailbox or all. */
  refreshes(email?: string): number {
    if (email !== undefined) return this.#refreshes.get(email) ?? 0;
    return [...this.#refreshes.values()].reduce((a, b) => a + b, 0);
  }

  /** The mailbox a still-valid access token was issued for. */
  ownerOf(accessToken: string): string | undefined {
    const issued = this.#tokens.get(accessToken);
    return issued && issued.expiresAt > Date.now() ? issued.email : undefined;
  }

  /** Expires (server side) every token issued so far, or those of one mailbox. */
  expireTokens(email?: string): void {
    for (const issued of this.#tokens.values()) {
      if (email === undefined || issued.email === email) issued.expiresAt = 0;
    }
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async answer(req: FakeRequest): Promise<FakeResponse> {
    this.#requests++;
    const mode = this.mode;
    if (mode && 'hangMs' in mode) await sleep(mode.hangMs);
    else if (mode) return { status: mode.status, body: { error: mode.error ?? 'server_error' } };
    const form = formFields(req.body);
    const account = this.#accounts.get(form.refresh_token ?? '');
    if (form.grant_type !== 'refresh_token')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (!account) return { status: 400, body: { error: 'invalid_grant' } };
    const [id, secret] = clientOf(req, form);
    if (id !== account.clientId || secret !== account.clientSecret)
      return { status: 401, body: { error: 'invalid_client' } };
    const accessToken = `ya29.canary-access-${randomBytes(12).toString('hex')}`;
    this.#tokens.set(accessToken, {
      email: account.email,
      expiresAt: Date.now() + this.expiresIn * 1000,
    });
    this.#refreshes.set(account.email, (this.#refreshes.get(account.email) ?? 0) + 1);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: this.expiresIn },
    };
  }
}

function clientOf(
  req: FakeRequest,
  form: Record<string, string>,
): [string | undefined, string | undefined] {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return [form.client_id, form.client_secret];
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [
    decodeURIComponent(decoded.slice(0, colon)),
    decodeURIComponent(decoded.slice(colon + 1)),
  ];
}
