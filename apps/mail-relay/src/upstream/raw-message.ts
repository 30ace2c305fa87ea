import { Readable } from 'node:stream';
import type { SMTPPoolSentMessageInfo } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message';

/** What the relay hands the upstream: the envelope and the message exactly as received. */
export interface OutgoingMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: Buffer;
}

type SmtpMail = MailMessage<SMTPPoolSentMessageInfo>;

/**
 * A received message in the shape nodemailer's SMTP pool reads from a composed one: envelope,
 * Message-ID and a stream of the bytes. `Mail.sendMail({ raw })` would compose it first (a
 * MimeNode, address parsing, a generated Message-ID, a pipeline of streams): about 45 KB of
 * garbage per message for bytes the relay forwards untouched. The pool only calls the methods
 * below (nodemailer 10: `PoolResource.send`, `SMTPPool._processMessages`).
 */
class RawMessage {
  constructor(private readonly message: OutgoingMessage) {}

  /** A fresh object each time: the pool adds DSN options to it. */
  getEnvelope() {
    const { from, to, raw } = this.message;
    return { from, to: [...to], size: raw.length };
  }

  /** Only for nodemailer's own logs, which are off. */
  messageId(): string {
    return '';
  }

  getHeader(): string {
    return '';
  }

  /**
   * A stream, not the Buffer: the pool re-queues a message on another connection only when its
   * stream shows not a byte was read (a reused connection the server had dropped).
   */
  createReadStream(): Readable {
    const raw = this.message.raw;
    return new Readable({
      read() {
        this.push(raw);
        this.push(null);
      },
    });
  }
}

/** Hands `message` to the account's pool as is, bypassing the composer of `sendMail`. */
export function sendRaw(
  transport: Mail<SMTPPoolSentMessageInfo>,
  message: OutgoingMessage,
): Promise<SMTPPoolSentMessageInfo> {
  const mail = { data: {}, message: new RawMessage(message) } as unknown as SmtpMail;
  return new Promise((resolve, reject) => {
    transport.transporter.send(mail, (error, info) => {
      if (error) reject(error);
      else if (info) resolve(info);
      else reject(new Error('the pool answered neither a result nor an error'));
    });
  });
}
