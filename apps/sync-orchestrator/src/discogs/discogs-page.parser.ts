import type { SyncType } from '@libs/sync-client';
import { PER_PAGE } from './discogs-requests';

/** A release in a collection, or a want, ready to be upserted. */
export interface DiscogsItem {
  /** Collection: the copy's instance id; wantlist: the release id. */
  instanceId: number;
  releaseId: number;
  folderId: number | null;
  rating: number | null;
  dateAdded: string | null;
  basicInformation: Record<string, unknown>;
  notes: unknown[] | null;
}

/** A parsed page of a collection or wantlist. */
export interface DiscogsPage {
  page: number;
  pages: number;
  totalItems: number;
  items: DiscogsItem[];
}

/** The body was not what Discogs sends: the answer is rejected (and the request retried). */
export class InvalidDiscogsBodyError extends Error {}

const MAX_PAGES = 100_000;
const USERNAME = /^[\w.-]{1,100}$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, max: number): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

function parseJson(body: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidDiscogsBodyError('body is not JSON');
  }
  if (!isObject(value)) throw new InvalidDiscogsBodyError('body is not a JSON object');
  return value;
}

/** The username of `GET /oauth/identity`. */
export function parseIdentity(body: string): string {
  const { username } = parseJson(body);
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw new InvalidDiscogsBodyError('identity has no valid username');
  }
  return username;
}

/** A page of `…/collection/folders/0/releases` (`releases`) or `…/wants` (`wants`). */
export function parsePage(body: string, syncType: SyncType): DiscogsPage {
  const json = parseJson(body);
  const pagination = json.pagination;
  if (!isObject(pagination)) throw new InvalidDiscogsBodyError('no pagination');
  const { page, pages, items: total } = pagination;
  if (!isCount(page, MAX_PAGES) || !isCount(pages, MAX_PAGES) || !isCount(total, 1e8)) {
    throw new InvalidDiscogsBodyError('invalid pagination');
  }
  const list = json[syncType === 'collection' ? 'releases' : 'wants'];
  if (!Array.isArray(list) || list.length > PER_PAGE) {
    throw new InvalidDiscogsBodyError('invalid item list');
  }
  // One upsert statement may not touch a row twice: a repeated id keeps its last entry.
  const byId = new Map(
    list.map((entry) => parseItem(entry, syncType)).map((i) => [i.instanceId, i]),
  );
  return { page, pages: Math.max(1, pages), totalItems: total, items: [...byId.values()] };
}

function parseItem(entry: unknown, syncType: SyncType): DiscogsItem {
  if (!isObject(entry)) throw new InvalidDiscogsBodyError('item is not an object');
  const releaseId = entry.id;
  const instanceId = syncType === 'collection' ? entry.instance_id : entry.id;
  if (
    !isCount(releaseId, Number.MAX_SAFE_INTEGER) ||
    !isCount(instanceId, Number.MAX_SAFE_INTEGER)
  ) {
    throw new InvalidDiscogsBodyError('item without a valid id');
  }
  if (!isObject(entry.basic_information)) {
    throw new InvalidDiscogsBodyError('item without basic_information');
  }
  const dateAdded = typeof entry.date_added === 'string' ? entry.date_added : null;
  if (dateAdded !== null && Number.isNaN(Date.parse(dateAdded))) {
    throw new InvalidDiscogsBodyError('item with an invalid date_added');
  }
  return {
    instanceId,
    releaseId,
    folderId: isCount(entry.folder_id, Number.MAX_SAFE_INTEGER) ? entry.folder_id : null,
    rating: isCount(entry.rating, 5) ? entry.rating : null,
    dateAdded,
    basicInformation: entry.basic_information,
    notes: Array.isArray(entry.notes) ? entry.notes : null,
  };
}
