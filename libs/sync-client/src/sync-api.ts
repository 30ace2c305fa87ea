import type {
  PutDiscogsTokenResponse,
  StartSyncRequest,
  StartSyncResponse,
  SyncStatusResponse,
} from './protocol';
import type { FetchLike } from './request-executor';

/** A REST call answered with Portico's error shape. */
export class SyncApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | number,
    message: string,
    readonly details: readonly unknown[] = [],
  ) {
    super(message);
    this.name = 'SyncApiError';
  }
}

/** A random id (works in insecure browser contexts, where `randomUUID` is missing). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The REST endpoints of sync-orchestrator, called with the user's access token. */
export class SyncApi {
  constructor(
    private readonly serverUrl: string,
    private readonly token: () => Promise<string>,
    private readonly fetchFn: FetchLike,
  ) {}

  /** Starts a sync (`POST /api/discogs/syncCollection`). */
  startSync(request: StartSyncRequest = {}): Promise<StartSyncResponse> {
    return this.call('POST', '/api/discogs/syncCollection', request);
  }

  /** Where a session stands (`GET /api/discogs/syncStatus/:sessionId`). */
  status(sessionId: string): Promise<SyncStatusResponse> {
    return this.call('GET', `/api/discogs/syncStatus/${encodeURIComponent(sessionId)}`);
  }

  /** Cancels a running session (`POST /api/discogs/syncs/:sessionId/cancel`). */
  cancel(sessionId: string): Promise<SyncStatusResponse> {
    return this.call('POST', `/api/discogs/syncs/${encodeURIComponent(sessionId)}/cancel`);
  }

  /** Stores the user's Discogs token server-side (`PUT /api/users/discogs-token`). */
  putDiscogsToken(token: string): Promise<PutDiscogsTokenResponse> {
    return this.call('PUT', '/api/users/discogs-token', { token });
  }

  private async call<T>(method: string, path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.fetchFn(new URL(path, this.serverUrl).href, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; details?: unknown[] } })
        .error;
      throw new SyncApiError(
        response.status,
        error?.code ?? `http_${response.status}`,
        error?.message ?? response.statusText,
        error?.details ?? [],
      );
    }
    return json as T;
  }
}
