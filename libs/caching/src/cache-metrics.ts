import { Counter, Gauge, type Registry } from 'prom-client';

/** A point-in-time copy of one cache's counters (counters only grow). */
export interface CacheStats {
  /** Lookups answered from the positive tier. */
  readonly hits: number;
  /** Lookups answered from the negative tier (key known not to exist). */
  readonly negativeHits: number;
  /** Lookups that needed the loader (including ones that joined a load already running). */
  readonly misses: number;
  /** Loader calls. */
  readonly loads: number;
  /** Loader calls that failed. */
  readonly loadFailures: number;
  /** Entries pushed out because the cache was full. */
  readonly evictions: number;
  /** Keys dropped on request (change events). */
  readonly invalidations: number;
  /** Whole-cache clears (gaps in the change feed, bypass). */
  readonly clears: number;
  /** Entries held now (expired ones linger until touched). */
  readonly size: number;
  /** Unknown keys remembered now. */
  readonly negativeSize: number;
  /** True while every read goes to the loader. */
  readonly bypassed: boolean;
  /** (hits + negativeHits) / lookups since start; 0 before the first lookup. */
  readonly hitRate: number;
}

/** Anything that can report cache counters. */
export interface CacheStatsSource {
  stats(): CacheStats;
}

type Read = (stats: CacheStats) => number;

const COUNTERS: ReadonlyArray<[name: string, help: string, read: Read]> = [
  ['cache_hits_total', 'Lookups answered from the in-process cache', (s) => s.hits],
  ['cache_negative_hits_total', 'Lookups answered from the negative cache', (s) => s.negativeHits],
  ['cache_misses_total', 'Lookups that needed a load', (s) => s.misses],
  ['cache_loads_total', 'Loader calls', (s) => s.loads],
  ['cache_load_failures_total', 'Loader calls that failed', (s) => s.loadFailures],
  ['cache_evictions_total', 'Entries evicted because the cache was full', (s) => s.evictions],
  ['cache_invalidations_total', 'Entries dropped by change events', (s) => s.invalidations],
  ['cache_clears_total', 'Whole-cache clears', (s) => s.clears],
];

const GAUGES: ReadonlyArray<[name: string, help: string, read: Read]> = [
  ['cache_size', 'Entries held by the in-process cache', (s) => s.size],
  ['cache_negative_size', 'Unknown keys held by the negative cache', (s) => s.negativeSize],
  ['cache_hit_ratio', 'Share of lookups answered without a load since start', (s) => s.hitRate],
  [
    'cache_bypassed',
    '1 while the cache is bypassed because its invalidation feed is unhealthy',
    (s) => (s.bypassed ? 1 : 0),
  ],
];

// One set of collectors per registry; every cache registered on it becomes one `cache` label.
const sourcesByRegistry = new WeakMap<Registry, Map<string, CacheStatsSource>>();

/**
 * Exposes a cache's counters as Prometheus metrics labelled `cache=<name>`. Values are read at
 * scrape time, so the cache's hot path never touches prom-client.
 */
export function registerCacheMetrics(
  registry: Registry,
  name: string,
  cache: CacheStatsSource,
): void {
  let sources = sourcesByRegistry.get(registry);
  if (!sources) {
    sources = new Map();
    sourcesByRegistry.set(registry, sources);
    createCollectors(registry, sources);
  }
  if (sources.has(name)) throw new Error(`cache metrics for "${name}" are already registered`);
  sources.set(name, cache);
}

function createCollectors(registry: Registry, sources: Map<string, CacheStatsSource>): void {
  // collect() runs once per metric per scrape and reads a fresh snapshot (plain fields: cheap).
  for (const [name, help, read] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['cache'],
      registers: [registry],
      collect() {
        // A counter cannot be set: start from zero and add the cache's running total.
        this.reset();
        for (const [cache, source] of sources) this.inc({ cache }, read(source.stats()));
      },
    });
  }
  for (const [name, help, read] of GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['cache'],
      registers: [registry],
      collect() {
        for (const [cache, source] of sources) this.set({ cache }, read(source.stats()));
      },
    });
  }
}
