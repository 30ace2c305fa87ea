import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';

// What the apps expose on /metrics, read from the metric definitions in apps/*/src and
// libs/*/src without booting anything. Definitions the scanner cannot read make it throw, so a
// new style of definition cannot slip past it unseen.

const ROOT = resolve(__dirname, '../../..');
const METRIC = /[a-zA-Z_:][a-zA-Z0-9_:]*/.source;
const DEFINITION = /new (Counter|Gauge|Histogram|Summary)\b(?:<[^>]*>)?\(\s*\{/g;
const NAME_FIRST = new RegExp(`^\\s*name(?:\\s*:\\s*'(${METRIC})')?\\s*,`);
/** Rows of name tables (`['cache_hits_total', 'help', …]`) that feed `name,` definitions. */
const TABLE_ROW = new RegExp(`(?<!labelNames:\\s*)\\[\\s*'(${METRIC})',\\s*'`, 'g');

type Kind = 'Counter' | 'Gauge' | 'Histogram' | 'Summary';

/** A metric defined in the source, and who defines it (`apps/<app>` or `libs/<lib>`). */
export interface MetricDefinition {
  name: string;
  /** Undefined for names from a table (counters and gauges only: no suffixed series). */
  kind?: Kind;
  owner: string;
  file: string;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/(?<!\.spec|-spec)\.ts$/.test(entry.name)) yield path;
  }
}

function* appAndLibSources(): Generator<string> {
  for (const top of ['apps', 'libs']) {
    for (const pkg of readdirSync(join(ROOT, top))) {
      if (top === 'libs' && pkg === 'testing') continue;
      yield* sourceFiles(join(ROOT, top, pkg, 'src'));
    }
  }
}

/** Metric definitions of one source text (`file` is for messages and ownership). */
export function definitionsIn(source: string, file: string): MetricDefinition[] {
  const owner = relative(ROOT, file).split('/').slice(0, 2).join('/');
  const found: MetricDefinition[] = [];
  let fromTable = false;
  for (const match of source.matchAll(DEFINITION)) {
    const kind = match[1] as Kind;
    const name = NAME_FIRST.exec(source.slice(match.index + match[0].length));
    const line = source.slice(0, match.index).split('\n').length;
    if (!name) throw new Error(`${file}:${line}: metric definition without a leading name`);
    if (name[1]) found.push({ name: name[1], kind, owner, file });
    // Histograms and summaries expose suffixed series: their kind must be known per name.
    else if (kind === 'Histogram' || kind === 'Summary') {
      throw new Error(`${file}:${line}: a ${kind} named from a table`);
    } else fromTable = true;
  }
  if (fromTable) {
    const rows = [...source.matchAll(TABLE_ROW)].map((m) => m[1]);
    if (rows.length === 0) throw new Error(`${file}: metrics named from a table, but no table`);
    found.push(...rows.map((name) => ({ name, owner, file })));
  }
  return found;
}

/** Every metric the apps and libs define. */
export function metricDefinitions(): MetricDefinition[] {
  return [...appAndLibSources()].flatMap((file) => definitionsIn(readFileSync(file, 'utf8'), file));
}

/** The series names a metric of that kind exposes in the Prometheus text format. */
function series(name: string, kind: string | undefined): string[] {
  if (kind === 'Histogram' || kind === 'histogram') {
    return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  }
  if (kind === 'Summary' || kind === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** prom-client's default process and Node.js metrics (every app collects them). */
export async function defaultMetricSeries(): Promise<string[]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  return metrics.flatMap((m) => series(m.name, String(m.type)));
}

/** Series name → the owners (`apps/auth`, `libs/messaging`, `default`) that expose it. */
export async function exportedSeries(): Promise<Map<string, Set<string>>> {
  const exported = new Map<string, Set<string>>();
  const add = (name: string, owner: string) =>
    exported.set(name, (exported.get(name) ?? new Set()).add(owner));
  for (const d of metricDefinitions()) for (const s of series(d.name, d.kind)) add(s, d.owner);
  const sources = [...appAndLibSources()].map((file) => readFileSync(file, 'utf8'));
  if (sources.some((source) => source.includes('collectDefaultMetrics('))) {
    for (const s of await defaultMetricSeries()) add(s, 'default');
  }
  return exported;
}
