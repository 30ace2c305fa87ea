import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { registerCacheMetrics, type CacheStats } from '@libs/caching';
import { MessagingMetrics } from '@libs/messaging';
import { definitionsIn, exportedSeries, metricDefinitions } from './support/exported-metrics';
import { PORTICO_APPS } from './support/manifests';
import { metricNames, selectors } from './support/promql';

const ROOT = resolve(__dirname, '../..');

interface Target {
  refId: string;
  expr: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/portico.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

/** What the issue asks the dashboard to show, by the series that show it. */
const REQUIRED = {
  'token rate': 'auth_oauth_responses_total',
  'token latency': 'http_request_duration_seconds_bucket',
  'client cache hit rate': 'cache_hits_total',
  'Redis client cache hit rate': 'registry_client_cache_lookups_total',
  'stream lag': 'messaging_group_lag',
  'DLQ length': 'messaging_dlq_length',
  'pending token records': 'auth_token_records_pending',
  'flush batch sizes': 'auth_token_flush_batch_size_bucket',
  'flush durations': 'auth_token_flush_duration_seconds_bucket',
  'sync sessions': 'sync_active_sessions',
  'sync rate-limit pauses': 'sync_rate_limit_waits_total',
  'mail throughput': 'mail_relay_messages_total',
  'breaker state': 'mail_relay_breaker_state',
};

describe('deploy/grafana/portico.json', () => {
  it('queries only series the apps export', async () => {
    const exported = await exportedSeries();
    const unknown = queries.flatMap((q) =>
      metricNames(q.expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${q.panel}: ${name}`),
    );
    expect(queries.length).toBeGreaterThan(30);
    expect(unknown).toEqual([]);
  });

  it('filters by app only on series that app exports', async () => {
    const exported = await exportedSeries();
    const wrong = queries.flatMap((q) =>
      selectors(q.expr).flatMap(({ metric, labels }) => {
        const app = /\bapp\s*=\s*"([^"]+)"/.exec(labels)?.[1];
        const owners = [...(exported.get(metric) ?? [])];
        const shared = owners.some((o) => !o.startsWith('apps/'));
        const exportedThere =
          PORTICO_APPS.some((a) => a === app) && (shared || owners.includes(`apps/${app}`));
        return app && !exportedThere ? [`${q.panel}: ${metric}{app="${app}"}`] : [];
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('shows what the operators of each app watch', () => {
    const queried = new Set(queries.flatMap((q) => metricNames(q.expr)));
    const missing = Object.entries(REQUIRED).filter(([, series]) => !queried.has(series));
    expect(missing).toEqual([]);
  });

  it('is a dashboard Grafana can import with any Prometheus data source', () => {
    expect(dashboard.uid).toBe('portico');
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      const refIds = panel.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });
});

describe('the metric checks', () => {
  it('read metric names out of PromQL, skipping functions, labels, ranges and keywords', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le) (rate(a_bucket{app="auth", route=~"/x|y"}[$__rate_interval])))' +
      ' / on (app) group_left max(b) offset 5m and c{d="e"} > 1e3';
    expect(metricNames(expr)).toEqual(['a_bucket', 'b', 'c']);
    expect(selectors(expr)[0].labels).toBe('{app="auth", route=~"/x|y"}');
    expect(() => metricNames('sum(rate(a[5m])')).toThrow(/unbalanced/);
  });

  it('know the exported series, suffixes and defaults included, and no invented one', async () => {
    const exported = await exportedSeries();
    expect(exported.get('auth_token_flush_duration_seconds_count')).toEqual(new Set(['apps/auth']));
    expect(exported.has('mail_relay_breaker_state')).toBe(true);
    expect(exported.has('process_resident_memory_bytes')).toBe(true);
    expect(exported.has('auth_token_flush_duration_seconds')).toBe(false);
    expect(exported.has('sync_rate_limit_pauses_total')).toBe(false);
  });

  it('find the metrics the libs register from name tables', async () => {
    const registry = new Registry();
    const zero: CacheStats = {
      hits: 0,
      negativeHits: 0,
      misses: 0,
      loads: 0,
      loadFailures: 0,
      evictions: 0,
      invalidations: 0,
      clears: 0,
      size: 0,
      negativeSize: 0,
      bypassed: false,
      hitRate: 0,
    };
    const stats = { stats: () => zero };
    registerCacheMetrics(registry, 'probe', stats);
    MessagingMetrics.for(registry);
    const registered = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    const scanned = metricDefinitions()
      .filter((d) => ['libs/caching', 'libs/messaging'].includes(d.owner))
      .map((d) => d.name)
      .sort();
    expect(scanned).toEqual(registered);
  });

  it('refuse a metric definition they cannot read', () => {
    const file = join(ROOT, 'apps/x/src/x.ts');
    expect(() => definitionsIn("new Gauge({ help: 'h', name: 'g' })", file)).toThrow(
      /without a leading name/,
    );
    expect(() => definitionsIn('new Histogram({ name, help })', file)).toThrow(/Histogram/);
  });
});
