import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SmtpIngestConfig } from '@libs/config';
import { READINESS_CHECKS, type ReadinessCheck } from '@libs/observability';
import { SmtpSessionHandler } from './smtp-session.handler';

/**
 * The SMTP listener for local applications (smtp-server). Listens when the app boots, counts
 * for readiness while listening, and on app.close() stops accepting, lets messages being
 * relayed get their reply (within the drain bound), and closes idle sessions at once.
 */
@Injectable()
export class SmtpIngestServer
  implements ReadinessCheck, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  readonly name = 'smtp';
  private readonly logger = new Logger(SmtpIngestServer.name);
  readonly #server: SMTPServer;
  #listening = false;
  #closing = false;

  constructor(
    private readonly config: SmtpIngestConfig,
    private readonly handler: SmtpSessionHandler,
    private readonly moduleRef: ModuleRef,
  ) {
    this.#server = this.create();
    handler.afterReply = (id) => {
      if (this.#closing) setImmediate(() => this.closeSession(id));
    };
  }

  /** The port actually bound (differs from the configured one when that is 0). */
  get port(): number {
    return (this.#server.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * CoreModule has no hook for app-specific readiness checks: join its list (an array built
   * once at boot and read on every probe).
   */
  onModuleInit(): void {
    this.moduleRef.get<ReadinessCheck[]>(READINESS_CHECKS, { strict: false }).push(this);
  }

  async onApplicationBootstrap(): Promise<void> {
    await new Promise<void>((done, fail) => {
      this.#server.server.once('error', fail);
      this.#server.listen(this.config.port, this.config.host, () => {
        this.#server.server.off('error', fail);
        done();
      });
    });
    this.#listening = true;
    this.#server.on('error', (e: Error) => this.logger.error(`SMTP server error: ${e.message}`));
    this.logger.log(`SMTP listening on ${this.config.host}:${this.port}`);
  }

  async check(): Promise<void> {
    if (!this.#listening || this.#closing) throw new Error('SMTP server is not listening');
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.#listening || this.#closing) return;
    this.#closing = true;
    const closed = new Promise<void>((done) => this.#server.close(() => done()));
    let idle = 0;
    for (const connection of [...this.#server.connections]) {
      if (this.handler.busy.has(connection.session.id)) continue;
      idle++;
      connection.send(421, '4.3.2 Service shutting down, try again later');
    }
    this.logger.log(
      `SMTP closing: ${idle} idle sessions closed, ${this.handler.busy.size} finishing`,
    );
    await closed;
    this.#listening = false;
    this.logger.log('SMTP closed');
  }

  private closeSession(id: string): void {
    for (const connection of this.#server.connections) {
      if (connection.session.id === id)
        connection.send(421, '4.3.2 Service shutting down, try again later');
    }
  }

  private create(): SMTPServer {
    const { tls, requireTls } = this.config;
    const h = this.handler;
    return new SMTPServer({
      banner: 'Portico mail relay',
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      allowInsecureAuth: !requireTls,
      disabledCommands: tls ? [] : ['STARTTLS'],
      ...(tls ? { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) } : {}),
      size: this.config.maxMessageBytes,
      maxClients: this.config.maxClients,
      disableReverseLookup: true,
      closeTimeout: this.config.drainTimeoutMs,
      logger: false,
      onAuth: (auth, session, done) => h.onAuth(auth, session, done),
      onConnect: (session, done) => h.onConnect(session, done),
      onMailFrom: (address, session, done) => h.onMailFrom(address, session, done),
      onData: (stream, session, done) => h.onData(stream, session, done),
      onClose: (session) => h.onClose(session),
    });
  }
}
