import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Redis } from 'ioredis';
import type { Namespace, Socket } from 'socket.io';
import { SYNC_MAX_RESPONSE_BYTES_CAP, SyncPacingConfig } from '@libs/config';
import { Keyspace, REDIS } from '@libs/redis';
import { SYNC_EVENT, SYNC_NAMESPACE, type ApiResponseData } from '@libs/sync-client';
import { AccessTokenVerifier, bearerToken } from '../auth/access-token.verifier';
import { keptHeaders } from './answer-headers';
import { ApiResponseEnvelopeDto } from './dto/api-response-envelope.dto';
import { SyncEngine } from './sync-engine.service';
import { SyncMessenger, userRoom } from './sync-messenger';
import { SyncMetrics } from './sync.metrics';

type SyncSocket = Socket<
  Record<string, never>,
  Record<string, never>,
  Record<string, never>,
  { userId: string }
>;

/**
 * The `/sync` socket.io namespace: authenticates each socket with the user's access token
 * (`auth: { token }`), joins it to the user's room, and feeds clients' answers to the engine.
 * The Redis Streams adapter lets pods share rooms.
 */
@WebSocketGateway({
  namespace: SYNC_NAMESPACE,
  // Tokens travel in the handshake, never in cookies: any origin may connect.
  cors: { origin: true, credentials: false },
  // Transport cap; the configured (smaller) body limit is checked per message.
  maxHttpBufferSize: SYNC_MAX_RESPONSE_BYTES_CAP + 64 * 1024,
})
export class SyncGateway
  implements
    OnGatewayInit<Namespace>,
    OnGatewayConnection<SyncSocket>,
    OnGatewayDisconnect<SyncSocket>
{
  private readonly logger = new Logger(SyncGateway.name);

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly engine: SyncEngine,
    private readonly messenger: SyncMessenger,
    private readonly metrics: SyncMetrics,
    private readonly pacing: SyncPacingConfig,
    private readonly keyspace: Keyspace,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  afterInit(namespace: Namespace): void {
    const stream = this.keyspace.key('sync:socket.io');
    namespace.server.adapter(
      createAdapter(this.redis, {
        streamName: stream,
        channelPrefix: stream,
        sessionKeyPrefix: this.keyspace.key('sync:socket.io-session:'),
        // Short blocking reads so a closing pod lets go of Redis quickly.
        blockTimeInMs: 1_000,
        onlyPlaintext: true,
      }),
    );
    namespace.use((socket, next) => {
      const token = tokenOf(socket);
      this.verifier.verify(token).then(
        (user) => {
          (socket as SyncSocket).data.userId = user.userId;
          next();
        },
        () => next(new Error('unauthorized')),
      );
    });
    this.messenger.bind(namespace);
  }

  async handleConnection(socket: SyncSocket): Promise<void> {
    const { userId } = socket.data;
    await socket.join(userRoom(userId));
    await this.engine.attach(userId, socket);
  }

  async handleDisconnect(socket: SyncSocket): Promise<void> {
    if (socket.data.userId) await this.engine.detach(socket.data.userId, socket.id);
  }

  @SubscribeMessage(SYNC_EVENT)
  async onMessage(
    @ConnectedSocket() socket: SyncSocket,
    @MessageBody() payload: unknown,
  ): Promise<void> {
    const answer = this.parse(payload);
    if (typeof answer === 'string') return this.refuse(socket, 'invalid_message', answer, null);
    if (!(await this.engine.answer(socket.data.userId, answer))) {
      // Unknown, answered already, or another user's request: nothing changes.
      this.refuse(
        socket,
        'response_rejected',
        'no open request of yours has this id',
        answer.requestId,
      );
    }
  }

  private parse(payload: unknown): ApiResponseData | string {
    if (typeof payload !== 'object' || payload === null) return 'a message is an envelope object';
    const message = plainToInstance(ApiResponseEnvelopeDto, payload);
    const errors = validateSync(message, { forbidUnknownValues: true });
    if (errors.length > 0) return 'not a valid discogs_api_response envelope';
    const { requestId, status, headers, body, error } = message.data;
    if (Buffer.byteLength(body, 'utf8') > this.pacing.maxResponseBytes) {
      return `response body above ${this.pacing.maxResponseBytes} bytes`;
    }
    return { requestId, status, headers: keptHeaders(headers), body, error };
  }

  private refuse(
    socket: SyncSocket,
    code: string,
    message: string,
    requestId: string | null,
  ): void {
    this.metrics.answers.inc({ outcome: 'rejected' });
    this.logger.warn({ userId: socket.data.userId, requestId, code }, 'client message refused');
    this.messenger.refuse(socket, { sessionId: null, requestId, code, message, fatal: false });
  }
}

function tokenOf(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown };
  if (typeof auth.token === 'string') return auth.token.replace(/^Bearer\s+/i, '');
  return bearerToken(socket.handshake.headers.authorization);
}
