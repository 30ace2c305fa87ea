import { identityUrl, REQUEST_HEADERS } from '../discogs/discogs-requests';
import type { DriverDeps } from './driver-deps';
import { SessionState } from './session-state';
import type { PlannedRequest } from './sync-request.repository';
import type { SessionRow } from './sync-session.repository';

/**
 * Rebuilds a session's memory from the database: a new session gets its first (identity)
 * request planned; a resumed one gets its open requests back and continues after the highest
 * page it ever dispatched. Marks the session running.
 */
export async function loadSession(
  deps: DriverDeps,
  row: SessionRow,
): Promise<{ state: SessionState; open: PlannedRequest[] }> {
  const state = new SessionState(row, deps.clock());
  let open: PlannedRequest[];
  if (row.totalRequests === 0) {
    const identity = deps.plan('identity', 0, identityUrl());
    const planned = await deps.requests.plan(row.sessionId, [identity], REQUEST_HEADERS);
    open = planned > 0 ? [identity] : (await deps.requests.open(row.sessionId)).open;
  } else {
    const found = await deps.requests.open(row.sessionId);
    open = found.open;
    state.nextPage = Math.max(2, found.lastPlannedPage + 1);
  }
  await deps.sessions.markRunning([row.sessionId]);
  return { state, open };
}
