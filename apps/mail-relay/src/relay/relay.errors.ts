import { AppError } from '@libs/models';

export enum MailRelayErrorCode {
  AccountsFileInvalid = 'mail_accounts_file_invalid',
  SenderNotAllowed = 'mail_sender_not_allowed',
  AccountRemoved = 'mail_account_removed',
  RateLimited = 'mail_rate_limited',
  Busy = 'mail_relay_busy',
  BufferFull = 'mail_buffer_full',
  TokenUnavailable = 'mail_token_unavailable',
  CircuitOpen = 'mail_circuit_open',
  UpstreamUnavailable = 'mail_upstream_unavailable',
  UpstreamRejected = 'mail_upstream_rejected',
  ShuttingDown = 'mail_shutting_down',
}

/** An SMTP reply: basic code and enhanced status code (RFC 3463). */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
}

const REPLIES: Record<MailRelayErrorCode, SmtpReply> = {
  [MailRelayErrorCode.AccountsFileInvalid]: { code: 451, enhanced: '4.3.5' },
  [MailRelayErrorCode.SenderNotAllowed]: { code: 553, enhanced: '5.7.1' },
  [MailRelayErrorCode.AccountRemoved]: { code: 550, enhanced: '5.7.1' },
  [MailRelayErrorCode.RateLimited]: { code: 451, enhanced: '4.7.1' },
  [MailRelayErrorCode.Busy]: { code: 451, enhanced: '4.3.2' },
  [MailRelayErrorCode.BufferFull]: { code: 452, enhanced: '4.3.1' },
  [MailRelayErrorCode.TokenUnavailable]: { code: 451, enhanced: '4.7.0' },
  [MailRelayErrorCode.CircuitOpen]: { code: 451, enhanced: '4.4.1' },
  [MailRelayErrorCode.UpstreamUnavailable]: { code: 451, enhanced: '4.4.2' },
  [MailRelayErrorCode.UpstreamRejected]: { code: 554, enhanced: '5.0.0' },
  [MailRelayErrorCode.ShuttingDown]: { code: 421, enhanced: '4.3.2' },
};

/**
 * A reason the relay refuses or defers a message. The SMTP reply follows from the code, or
 * from the upstream's own reply when the provider rejected the message.
 */
export class MailRelayError extends AppError<MailRelayErrorCode> {
  readonly reply: SmtpReply;

  constructor(
    code: MailRelayErrorCode,
    message: string,
    options: { reply?: SmtpReply; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.reply = options.reply ?? REPLIES[code];
  }

  /** True when the sender should retry later (4xx). */
  get temporary(): boolean {
    return this.reply.code < 500;
  }

  /** The error as smtp-server sends it: `responseCode` plus `<enhanced> <text>`. */
  toSmtpError(): Error & { responseCode: number } {
    return Object.assign(new Error(`${this.reply.enhanced} ${this.message}`), {
      responseCode: this.reply.code,
    });
  }
}
