import { Injectable, Logger } from '@nestjs/common';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerDataStream,
  SMTPServerSession,
} from 'smtp-server';
import { MailLimitsConfig, SmtpIngestConfig } from '@libs/config';
import { AccountRegistry } from '../accounts/account-registry.service';
import { ByteBudget } from '../limits/byte-budget';
import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';
import { RelayMetrics } from '../relay/relay.metrics';
import { RelayService } from '../relay/relay.service';

/** What a session carries after AUTH: only the mailbox (the account is looked up per message). */
export interface SessionUser {
  readonly email: string;
}

type Done = (err?: Error | null) => void;
type SmtpError = Error & { responseCode: number };

const smtpError = (code: number, text: string): SmtpError =>
  Object.assign(new Error(text), { responseCode: code });
const userOf = (session: SMTPServerSession) => session.user as SessionUser | undefined;
const LOGGABLE_USER = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/**
 * The SMTP conversation with local applications: AUTH against the accounts' local passwords,
 * MAIL FROM must be the authenticated account, DATA is buffered (bounded) and relayed; the
 * reply to DATA is the upstream's verdict.
 */
@Injectable()
export class SmtpSessionHandler {
  private readonly logger = new Logger(SmtpSessionHandler.name);
  readonly #buffers: ByteBudget;
  /** Sessions whose message is being relayed (shutdown lets them finish). */
  readonly busy = new Set<string>();
  /** Called after a DATA reply, so shutdown can close the session then. */
  afterReply: (sessionId: string) => void = () => undefined;

  constructor(
    private readonly registry: AccountRegistry,
    private readonly relay: RelayService,
    private readonly config: SmtpIngestConfig,
    limits: MailLimitsConfig,
    private readonly metrics: RelayMetrics,
  ) {
    this.#buffers = new ByteBudget(limits.maxBufferedBytes, (used) =>
      metrics.bufferedBytes.set(used),
    );
  }

  onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    done: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    const username = auth.username ?? '';
    this.registry.authenticate(username, auth.password ?? '').then(
      (account) => {
        if (account) return done(null, { user: { email: account.email } satisfies SessionUser });
        this.metrics.authFailures.inc();
        const who = LOGGABLE_USER.test(username) ? username : '(not an address)';
        this.logger.warn(`failed AUTH ${auth.method} for ${who} from ${session.remoteAddress}`);
        done(smtpError(535, '5.7.8 Authentication credentials invalid'));
      },
      (error: unknown) => {
        this.logger.error(`AUTH check failed: ${String(error)}`);
        done(smtpError(454, '4.7.0 Temporary authentication failure'));
      },
    );
  }

  onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
    const email = userOf(session)?.email ?? '';
    try {
      const account = this.relay.accountFor(email, address.address);
      this.relay.checkBudget(account);
      done();
    } catch (error) {
      if (!(error instanceof MailRelayError)) {
        this.logger.error(`MAIL FROM check failed: ${String(error)}`);
        return done(smtpError(451, '4.3.0 Temporary failure'));
      }
      this.relay.refused(email, this.registry.get(email)?.provider ?? 'unknown', error);
      done(error.toSmtpError());
    }
  }

  onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    done: (err?: Error | null, message?: string) => void,
  ): void {
    const id = session.id;
    this.busy.add(id);
    const reply = (err: Error | null, text?: string) => {
      this.busy.delete(id);
      done(err, text);
      this.afterReply(id);
    };
    const body = this.collect(stream);
    stream.once('end', () => {
      if (stream.sizeExceeded) {
        body.release();
        return reply(smtpError(552, `5.3.4 Message exceeds ${this.config.maxMessageBytes} bytes`));
      }
      if (body.overflow) {
        const error = new MailRelayError(
          MailRelayErrorCode.BufferFull,
          'relay memory full, try again later',
        );
        return reply(error.toSmtpError());
      }
      const { envelope } = session;
      const from = envelope.mailFrom ? envelope.mailFrom.address : '';
      const message = { from, to: envelope.rcptTo.map((r) => r.address), raw: body.buffer() };
      this.relay
        .relay(userOf(session)?.email ?? '', message)
        .then(
          (text) => reply(null, text),
          (error: unknown) =>
            reply(
              error instanceof MailRelayError
                ? error.toSmtpError()
                : smtpError(451, '4.3.0 Temporary failure'),
            ),
        )
        .finally(() => body.release());
    });
  }

  onConnect(_session: SMTPServerSession, done: Done): void {
    this.metrics.sessions.inc();
    done();
  }

  onClose(session: SMTPServerSession): void {
    this.metrics.sessions.dec();
    this.busy.delete(session.id);
  }

  /** Buffers the message within the global byte budget; beyond it the rest is drained unkept. */
  private collect(stream: SMTPServerDataStream) {
    const chunks: Buffer[] = [];
    let held = 0;
    const state = {
      overflow: false,
      /** The whole message (the chunks are dropped: only one copy stays in memory). */
      buffer: () => {
        const whole = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, held);
        chunks.length = 0;
        return whole;
      },
      release: () => {
        this.#buffers.release(held);
        held = 0;
      },
    };
    stream.on('data', (chunk: Buffer) => {
      if (state.overflow || stream.sizeExceeded) return;
      if (!this.#buffers.reserve(chunk.length)) {
        state.overflow = true;
        state.release();
        chunks.length = 0;
        return;
      }
      held += chunk.length;
      chunks.push(chunk);
    });
    return state;
  }
}
