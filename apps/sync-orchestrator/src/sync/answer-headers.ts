import type { ObservedRateLimit } from '../pacing/rate-window';

/** Response headers kept with a request row: the rate-limit state and little else. */
const KEPT = [
  'x-discogs-ratelimit',
  'x-discogs-ratelimit-used',
  'x-discogs-ratelimit-remaining',
  'retry-after',
  'content-type',
] as const;

/** The known headers of a client's report, lower-cased, each at most 200 characters. */
export function keptHeaders(headers: Record<string, unknown>): Record<string, string> {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const kept: Record<string, string> = {};
  for (const name of KEPT) {
    const value = lower.get(name);
    if (typeof value === 'string') kept[name] = value.slice(0, 200);
  }
  return kept;
}

const count = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value);
};

/** Discogs' `X-Discogs-Ratelimit*` headers, when the client could read them. */
export function rateHeaders(headers: Record<string, string>): ObservedRateLimit {
  return {
    limit: count(headers['x-discogs-ratelimit']),
    used: count(headers['x-discogs-ratelimit-used']),
    remaining: count(headers['x-discogs-ratelimit-remaining']),
  };
}

/** True when the report carries any rate-limit header. */
export const hasRateHeaders = (headers: Record<string, string>): boolean =>
  Object.values(rateHeaders(headers)).some((v) => v !== undefined);
