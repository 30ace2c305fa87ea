import { DISCOGS_API_ORIGIN, type SyncType } from '@libs/sync-client';

/** Discogs' largest page size; every page request asks for it. */
export const PER_PAGE = 100;

/** Headers the client sends besides its Authorization (Discogs asks for a User-Agent). */
export const REQUEST_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  Accept: 'application/vnd.discogs.v2.discogs+json',
  'User-Agent': 'PorticoSync/1.0 +https://github.com/portico',
});

/** Who owns the token: the first request of every session (page URLs need the username). */
export function identityUrl(): string {
  return `${DISCOGS_API_ORIGIN}/oauth/identity`;
}

/** One page of a user's collection (all folders, newest first) or wantlist. */
export function pageUrl(syncType: SyncType, username: string, page: number): string {
  const user = encodeURIComponent(username);
  const url =
    syncType === 'collection'
      ? new URL(`/users/${user}/collection/folders/0/releases`, DISCOGS_API_ORIGIN)
      : new URL(`/users/${user}/wants`, DISCOGS_API_ORIGIN);
  url.searchParams.set('page', String(page));
  url.searchParams.set('per_page', String(PER_PAGE));
  if (syncType === 'collection') {
    url.searchParams.set('sort', 'added');
    url.searchParams.set('sort_order', 'desc');
  }
  return url.href;
}
