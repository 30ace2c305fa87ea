/**
 * The sync protocol between sync-orchestrator and the user's client. Every message is the
 * socket.io event `message` carrying an {@link Envelope}. Browser-safe: no Node imports.
 */

/** socket.io namespace of the protocol. */
export const SYNC_NAMESPACE = '/sync';

/** The only socket.io event name the protocol uses. */
export const SYNC_EVENT = 'message';

/** Message types of the protocol. */
export const MessageType = {
  ApiRequest: 'discogs_api_request',
  ApiResponse: 'discogs_api_response',
  Progress: 'sync_progress',
  Complete: 'sync_complete',
  Error: 'sync_error',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const SYNC_TYPES = ['collection', 'wantlist'] as const;
/** What a sync copies: the user's collection or their wantlist. */
export type SyncType = (typeof SYNC_TYPES)[number];

export const SESSION_STATUSES = [
  'initiated',
  'in_progress',
  'paused',
  'completed',
  'failed',
  'cancelled',
] as const;
/** Lifecycle of a sync session. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Statuses after which a session never changes again. */
export const FINAL_STATUSES: readonly SessionStatus[] = ['completed', 'failed', 'cancelled'];

/** The wrapper of every message. `channel` is `sync:<sessionId>` for session messages. */
export interface Envelope<T extends MessageType = MessageType, D = MessageData[T]> {
  id: string;
  type: T;
  channel: string;
  action: string;
  data: D;
  /** ISO-8601 time the sender built the message. */
  timestamp: string;
}

/** Server → client: execute this Discogs request with the user's token. */
export interface ApiRequestData {
  requestId: string;
  url: string;
  method: 'GET';
  /** Headers to send besides the user's Authorization (never secrets). */
  headers: Record<string, string>;
}

/** Client → server: what Discogs answered (status 0 with `error` when no answer came). */
export interface ApiResponseData {
  requestId: string;
  status: number;
  headers: Record<string, string>;
  /** The response body as text, at most the size limit. */
  body: string;
  error?: string;
}

/** Server → client: where a session stands, after each response and on pauses. */
export interface ProgressData {
  sessionId: string;
  syncType: SyncType;
  status: SessionStatus;
  totalItems: number | null;
  processedItems: number;
  totalPages: number | null;
  completedPages: number;
  failedRequests: number;
  /** 0–100. */
  percent: number;
  estimatedCompletionAt: string | null;
  /** Human-readable, e.g. "Processing page 6 of 12". */
  currentAction: string;
  /** Set while dispatch waits for the rate limit: when it resumes. */
  resumeAt: string | null;
}

/** Server → client: a session finished successfully. */
export interface CompleteData {
  sessionId: string;
  syncType: SyncType;
  status: 'completed';
  totalItems: number;
  processedItems: number;
  durationMs: number;
}

/** Server → client: something failed; `fatal` when the session ended with it. */
export interface ErrorData {
  sessionId: string | null;
  requestId: string | null;
  code: string;
  message: string;
  fatal: boolean;
}

/** The data type of each message type. */
export interface MessageData {
  discogs_api_request: ApiRequestData;
  discogs_api_response: ApiResponseData;
  sync_progress: ProgressData;
  sync_complete: CompleteData;
  sync_error: ErrorData;
}

/** The action word carried beside each type. */
export const MESSAGE_ACTIONS: Readonly<Record<MessageType, string>> = {
  discogs_api_request: 'execute',
  discogs_api_response: 'result',
  sync_progress: 'update',
  sync_complete: 'complete',
  sync_error: 'error',
};

/** The channel of a session's messages. */
export const sessionChannel = (sessionId: string): string => `sync:${sessionId}`;

/** Builds an envelope; `id` must be unique (a UUID). */
export function envelope<T extends MessageType>(
  id: string,
  type: T,
  channel: string,
  data: MessageData[T],
  now: Date = new Date(),
): Envelope<T> {
  return { id, type, channel, action: MESSAGE_ACTIONS[type], data, timestamp: now.toISOString() };
}

/** Body of `POST /api/discogs/syncCollection`. */
export interface StartSyncRequest {
  syncType?: SyncType;
  fullSync?: boolean;
  pageLimit?: number;
}

/** Answer of `POST /api/discogs/syncCollection`. */
export interface StartSyncResponse {
  sessionId: string;
  status: SessionStatus;
  message: string;
}

/** Answer of `GET /api/discogs/syncStatus/:sessionId`. */
export interface SyncStatusResponse {
  sessionId: string;
  syncType: SyncType;
  status: SessionStatus;
  fullSync: boolean;
  totalItems: number | null;
  processedItems: number;
  totalPages: number | null;
  completedRequests: number;
  failedRequests: number;
  percent: number;
  startedAt: string | null;
  completedAt: string | null;
  estimatedCompletionAt: string | null;
  error: string | null;
}

/** Answer of `PUT /api/users/discogs-token`. */
export interface PutDiscogsTokenResponse {
  stored: boolean;
  looksValid: boolean;
}
