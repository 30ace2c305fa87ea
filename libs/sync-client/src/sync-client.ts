import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { Emitter } from './emitter';
import { assertLoopbackBaseUrl } from './discogs-url';
import {
  envelope,
  MessageType,
  SYNC_EVENT,
  SYNC_NAMESPACE,
  type ApiRequestData,
  type ApiResponseData,
  type CompleteData,
  type Envelope,
  type ErrorData,
  type ProgressData,
} from './protocol';
import { RequestExecutor, type FetchLike } from './request-executor';
import { newId, SyncApi } from './sync-api';

/** socket.io-client's `io` (Node: the package; browsers: its ESM build). */
export type IoFactory = (uri: string, options: Partial<ManagerOptions & SocketOptions>) => Socket;

export interface SyncClientOptions {
  /** Base URL of sync-orchestrator, e.g. `https://portico.example/` or `http://127.0.0.1:3003`. */
  serverUrl: string;
  /** The user's Portico access token (JWT), or a function returning a fresh one per connect. */
  accessToken: string | (() => string | Promise<string>);
  /** The user's Discogs personal access token; it never leaves this client except to Discogs. */
  discogsToken: string;
  io: IoFactory;
  /** What executes the Discogs requests (default `fetch`; tests and benchmarks simulate). */
  discogsFetch?: FetchLike;
  userAgent?: string;
  /** Largest Discogs response body reported (bytes, default 2 MiB, the server's default). */
  maxBodyBytes?: number;
  /** Bound on one Discogs request (default 30 s). */
  requestTimeoutMs?: number;
  /** Tests and demos only: a loopback origin standing in for https://api.discogs.com. */
  unsafeDiscogsBaseUrl?: string;
  /** socket.io reconnection tuning (defaults: 500 ms doubling up to 5 s, forever). */
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  /** Transports to use (default: websocket first, polling as fallback). */
  transports?: ('websocket' | 'polling')[];
}

/** Events a {@link SyncClient} emits. */
export interface SyncClientEvents {
  /** Every envelope the server sent, as received (for diagnostics and measurements). */
  message: Envelope;
  connect: void;
  disconnect: string;
  request: ApiRequestData;
  response: ApiResponseData;
  progress: ProgressData;
  complete: CompleteData;
  error: ErrorData;
  /** The connection was refused (bad access token) or could not be made. */
  connectError: Error;
}

/**
 * The client side of the sync protocol: keeps a socket.io connection to `/sync` (reconnecting
 * by itself), executes each request the server plans against Discogs with the user's token,
 * reports the answers, and surfaces progress. Also wraps the REST endpoints.
 */
export class SyncClient extends Emitter<SyncClientEvents> {
  readonly api: SyncApi;
  private readonly executor: RequestExecutor;
  private socket: Socket | undefined;

  constructor(private readonly options: SyncClientOptions) {
    super();
    const httpFetch: FetchLike = (input, init) => fetch(input, init);
    const overrideOrigin =
      options.unsafeDiscogsBaseUrl === undefined
        ? undefined
        : assertLoopbackBaseUrl(options.unsafeDiscogsBaseUrl);
    this.executor = new RequestExecutor({
      discogsToken: options.discogsToken,
      fetch: options.discogsFetch ?? httpFetch,
      maxBodyBytes: options.maxBodyBytes ?? 2 * 1024 * 1024,
      timeoutMs: options.requestTimeoutMs ?? 30_000,
      overrideOrigin,
      userAgent: options.userAgent,
    });
    this.api = new SyncApi(options.serverUrl, () => this.token(), httpFetch);
  }

  /** True while the socket is connected. */
  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Connects (resolves on the first successful connection, rejects if it is refused). */
  connect(): Promise<void> {
    if (this.socket) return Promise.resolve();
    const socket = this.options.io(new URL(SYNC_NAMESPACE, this.options.serverUrl).href, {
      auth: (cb: (data: object) => void) => {
        this.token().then(
          (token) => cb({ token }),
          () => cb({}),
        );
      },
      // Its own connection: socket.io-client would otherwise share one per URL across clients.
      forceNew: true,
      transports: this.options.transports ?? ['websocket', 'polling'],
      reconnectionDelay: this.options.reconnectionDelayMs ?? 500,
      reconnectionDelayMax: this.options.reconnectionDelayMaxMs ?? 5_000,
    });
    this.socket = socket;
    socket.on('connect', () => this.emit('connect', undefined));
    socket.on('disconnect', (reason: string) => this.emit('disconnect', reason));
    socket.on(SYNC_EVENT, (message: unknown) => this.onMessage(message));
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.on('connect_error', (error: Error) => {
        this.emit('connectError', error);
        // The server refused us (bad token): socket.io will not retry, so neither do we.
        if (!socket.active) reject(error);
      });
    });
  }

  /** Closes the connection for good (the server pauses this user's running syncs). */
  close(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }

  private async token(): Promise<string> {
    const { accessToken } = this.options;
    return typeof accessToken === 'string' ? accessToken : accessToken();
  }

  private onMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    this.emit('message', message as Envelope);
    const { type, data, channel } = message as Envelope;
    switch (type) {
      case MessageType.ApiRequest:
        void this.handleRequest(data as ApiRequestData, channel);
        return;
      case MessageType.Progress:
        this.emit('progress', data as ProgressData);
        return;
      case MessageType.Complete:
        this.emit('complete', data as CompleteData);
        return;
      case MessageType.Error:
        this.emit('error', data as ErrorData);
        return;
      case MessageType.ApiResponse:
      default:
        return;
    }
  }

  private async handleRequest(request: ApiRequestData, channel: string): Promise<void> {
    this.emit('request', request);
    const result = await this.executor.execute(request);
    this.emit('response', result);
    // Emitted even while disconnected: socket.io buffers it and the server still accepts it.
    this.socket?.emit(SYNC_EVENT, envelope(newId(), MessageType.ApiResponse, channel, result));
  }
}
