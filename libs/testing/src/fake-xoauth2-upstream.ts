import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { FakeListenOptions } from './fake-http';
import { waitFor } from './processes';

/** A message the fake provider accepted. */
export interface ReceivedMail {
  /** The XOAUTH2 identity the message was sent under. */
  readonly user: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: Buffer;
}

/** A reply the fake gives to RCPT TO for some recipients (e.g. 550 5.1.1). */
export interface RecipientRejection {
  readonly code: number;
  readonly text: string;
}

export interface FakeXoauth2UpstreamOptions extends FakeListenOptions {
  /** True when `accessToken` is a valid token of `user` (e.g. backed by a fake token endpoint). */
  verify(user: string, accessToken: string): boolean;
  /** Keep received messages (default true; benchmarks only count). */
  keepMessages?: boolean;
  /** Told of every accepted message (a demo logs them). */
  onMessage?(mail: ReceivedMail): void;
}

/**
 * A provider's SMTP submission server (127.0.0.1 by default) that accepts only XOAUTH2: an
 * invalid or expired token gets the `334` challenge Gmail sends, then `535`. It can be stopped
 * (connection refused, open sessions dropped) and resumed on the same port.
 */
export class FakeXoauth2Upstream {
  readonly messages: ReceivedMail[] = [];
  /** Messages accepted (also counted when `keepMessages` is false). */
  accepted = 0;
  authFailures = 0;
  /** Delay before accepting each message (holds deliveries in flight). */
  delayMs = 0;
  /** Messages received but not yet answered (e.g. held by `delayMs`). */
  inProgress = 0;
  /** RCPT TO replies by recipient address. */
  readonly rejectRecipients = new Map<string, RecipientRejection>();
  #server: SMTPServer | undefined;
  #port: number;

  private constructor(private readonly options: FakeXoauth2UpstreamOptions) {
    this.#port = options.port ?? 0;
  }

  static async start(options: FakeXoauth2UpstreamOptions): Promise<FakeXoauth2Upstream> {
    const upstream = new FakeXoauth2Upstream(options);
    await upstream.resume();
    return upstream;
  }

  get port(): number {
    return this.#port;
  }

  /** Listens again (same port once one was chosen). */
  async resume(): Promise<void> {
    const server = this.create();
    await new Promise<void>((done, fail) => {
      server.server.once('error', fail);
      server.listen(this.#port, this.options.host ?? '127.0.0.1', () => done());
    });
    this.#port = (server.server.address() as AddressInfo).port;
    // Clients that vanish (a killed relay) reset their sockets: expected here, not a failure.
    server.on('error', () => undefined);
    this.#server = server;
  }

  /** Goes down: refuses connections and drops open sessions. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((done) => server.close(() => done()));
    for (const connection of server.connections) connection.close();
    await closed;
  }

  /** Closes every open session but keeps listening (as providers drop idle connections). */
  dropConnections(): void {
    for (const connection of this.#server?.connections ?? []) connection.close();
  }

  /** Waits until `count` messages were accepted in total. */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      `${count} messages upstream (have ${this.accepted})`,
      () => this.accepted >= count,
      timeoutMs,
    );
  }

  close(): Promise<void> {
    return this.stop();
  }

  private create(): SMTPServer {
    return new SMTPServer({
      authMethods: ['XOAUTH2'],
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      disableReverseLookup: true,
      closeTimeout: 50,
      logger: false,
      onAuth: (auth, _session, done) => {
        if (
          auth.method === 'XOAUTH2' &&
          this.options.verify(auth.username ?? '', auth.accessToken ?? '')
        ) {
          return done(null, { user: auth.username });
        }
        this.authFailures++;
        done(null, {
          data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' },
        });
      },
      onRcptTo: (address: SMTPServerAddress, _session, done) => {
        const rejection = this.rejectRecipients.get(address.address);
        if (!rejection) return done();
        done(Object.assign(new Error(rejection.text), { responseCode: rejection.code }));
      },
      onData: (stream, session, done) => this.receive(stream, session, done),
    });
  }

  private receive(
    stream: NodeJS.ReadableStream,
    session: SMTPServerSession,
    done: (err?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => void this.accept(session, chunks, done));
  }

  private async accept(
    session: SMTPServerSession,
    chunks: Buffer[],
    done: (err?: Error | null, message?: string) => void,
  ): Promise<void> {
    this.inProgress++;
    if (this.delayMs > 0) await sleep(this.delayMs);
    this.inProgress--;
    this.accepted++;
    const keep = this.options.keepMessages !== false;
    if (keep || this.options.onMessage) {
      const mail: ReceivedMail = {
        user: String(session.user),
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks),
      };
      if (keep) this.messages.push(mail);
      this.options.onMessage?.(mail);
    }
    done(null, `2.0.0 OK queued as fake-${this.accepted}`);
  }
}
