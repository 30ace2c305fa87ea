import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AdminCliEnv,
  AuthEnv,
  ClientRegistryEnv,
  CredentialsCliEnv,
  EventConsumerEnv,
  MailRelayEnv,
  SyncOrchestratorEnv,
  ToolingEnv,
} from '@libs/config';
import { declaredVariables } from './support/app-config';

// The README's configuration section names only variables something reads, with the defaults
// the env schemas (libs/config) or the demo's settings really have.

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

const SCHEMAS: (new () => object)[] = [
  AuthEnv,
  ClientRegistryEnv,
  EventConsumerEnv,
  SyncOrchestratorEnv,
  MailRelayEnv,
  ToolingEnv,
  AdminCliEnv,
  CredentialsCliEnv,
];
const DEMO_SETTINGS = read('scripts/demo/settings.js');

/** The schema default of a variable, or undefined when no schema declares it. */
function schemaDefault(name: string): { value: unknown } | undefined {
  const schema = SCHEMAS.find((s) => declaredVariables(s).has(name));
  return schema && { value: (new schema() as Record<string, unknown>)[name] };
}

const isVariable = (token: string) => /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*_(\*|[A-Z0-9]+)$/.test(token);
const ticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map(([, t]) => t);

describe('README.md configuration', () => {
  const readme = read('README.md');
  const section = readme.slice(
    readme.indexOf('\n## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1),
  );

  it('names only variables an app, a command line or the demo reads', () => {
    const named = [...new Set(ticked(section).filter(isVariable))];
    expect(named.length).toBeGreaterThan(30);
    const declared = new Set(SCHEMAS.flatMap((s) => [...declaredVariables(s)]));
    const unknown = named.filter((name) =>
      name.endsWith('*')
        ? ![...declared].some((d) => d.startsWith(name.slice(0, -1)))
        : !declared.has(name) && !new RegExp(`\\b${name}\\b`).test(DEMO_SETTINGS),
    );
    expect(unknown).toEqual([]);
  });

  it('gives the defaults the env schemas have', () => {
    const checked: string[] = [];
    const wrong: string[] = [];
    let header: string[] = [];
    for (const line of section.split('\n')) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells[0] === 'variable') header = cells;
      if (!line.startsWith('| `')) continue;
      // `A` / `B` rows give their defaults in the same order: `1` / `2`.
      const names = ticked(cells[0]).filter(isVariable);
      const defaults = cells[header.indexOf('default')].split(' / ').map((v) => ticked(v)[0]);
      names.forEach((name, i) => {
        const value = schemaDefault(name)?.value;
        if (value === undefined || defaults[i] === undefined) return;
        checked.push(name);
        if (String(value) !== defaults[i]) wrong.push(`${name}: ${defaults[i]}, not ${value}`);
      });
    }
    expect(checked.length).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });
});
