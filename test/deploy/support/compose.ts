import { parse } from 'yaml';
import type { Env } from '@libs/config';

// A reader of the compose files for the static checks: YAML merge keys resolved, override files
// merged the way Compose merges the few fields Portico's override uses, `${VAR:-default}`
// resolved as with nothing set in the shell.

export interface ComposeService {
  image?: string;
  build?: string | { context: string; target?: string };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  network_mode?: string;
  volumes?: string[];
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const parseCompose = (text: string) => parse(text, { merge: true }) as ComposeFile;

/**
 * `override` applied to `base` as `docker compose -f base -f override` does for these fields:
 * environment maps merged by name, volume lists appended, anything else replaced.
 */
export function mergeCompose(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services = { ...base.services };
  for (const [name, changes] of Object.entries(override.services)) {
    const service = services[name] ?? {};
    services[name] = {
      ...service,
      ...changes,
      environment: { ...service.environment, ...changes.environment },
      volumes: [...(service.volumes ?? []), ...(changes.volumes ?? [])],
    };
  }
  return { services, volumes: { ...base.volumes, ...override.volumes } };
}

/** A service's environment as its process sees it when nothing is set in the shell. */
export const serviceEnv = (service: ComposeService): Env =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [
      k,
      String(v).replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback?: string) => fallback ?? ''),
    ]),
  );

/** The `--name=value` flags of a command. */
export const commandFlags = (command: readonly string[] = []): Record<string, string> =>
  Object.fromEntries(
    command.flatMap((arg) => {
      const match = /^--([\w-]+)=(.*)$/.exec(arg);
      return match ? [[match[1], match[2]]] : [];
    }),
  );

/** A `volume:/path[:mode]` mount: the volume, the path inside the container, read-only or not. */
export function volumeMount(spec: string): { volume: string; path: string; readOnly: boolean } {
  const [volume, path, mode] = spec.split(':');
  return { volume, path, readOnly: mode === 'ro' };
}
