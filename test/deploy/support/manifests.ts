import type { IContainer, IPodSpec } from 'kubernetes-models/v1' with {
  'resolution-mode': 'import',
};
import type { K8sObject } from './kustomize';

/** The apps of the image, each one Deployment named after it. */
export const PORTICO_APPS = [
  'auth',
  'client-registry',
  'event-consumer',
  'sync-orchestrator',
  'mail-relay',
] as const;
export type PorticoApp = (typeof PORTICO_APPS)[number];

/** The object of that kind and name; throws when the overlay has none. */
export function find<T extends K8sObject = K8sObject>(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found as T;
}

/** The pod spec of a Deployment or Job. */
export function podSpec(object: K8sObject): IPodSpec {
  const spec = object.spec as { template: { spec: IPodSpec } };
  return spec.template.spec;
}

/** The pod template labels of a Deployment or Job. */
export function podLabels(object: K8sObject): Record<string, string> {
  const spec = object.spec as { template: { metadata?: { labels?: Record<string, string> } } };
  return spec.template.metadata?.labels ?? {};
}

/** The one container of a Portico pod (each runs exactly one). */
export function appContainer(object: K8sObject): IContainer {
  const { containers } = podSpec(object);
  if (containers.length !== 1) throw new Error(`${object.metadata.name}: expected one container`);
  return containers[0];
}

/** The container port of that name. */
export function portNamed(container: IContainer, name: string): number {
  const port = container.ports?.find((p) => p.name === name);
  if (!port) throw new Error(`${container.name}: no port named ${name}`);
  return port.containerPort;
}

/** True when `labels` carries every pair of `selector`. */
export const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The environment a container starts with: ConfigMap entries (envFrom), literal values, values
 * of Secrets the overlay renders, and otherwise `standIns` (Secrets created outside the
 * repository). Optional keys nobody provides are left out; unresolvable ones throw.
 */
export function containerEnv(
  objects: readonly K8sObject[],
  container: IContainer,
  standIns: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`${container.name}: only configMapRef is used`);
    Object.assign(env, find(objects, 'ConfigMap', source.configMapRef.name!).data);
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    const value =
      variable.value ??
      (from?.fieldRef ? `${container.name}-6d4f9b7c8-x2x9q` : undefined) ??
      (from?.secretKeyRef ? secretValue(objects, from.secretKeyRef, standIns) : undefined);
    if (value !== undefined) env[variable.name] = value;
    else if (!from?.secretKeyRef?.optional) throw new Error(`${variable.name}: no value`);
  }
  return env;
}

function secretValue(
  objects: readonly K8sObject[],
  ref: { name?: string; key: string; optional?: boolean },
  standIns: Readonly<Record<string, string>>,
): string | undefined {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
  if (!secret) return ref.optional ? undefined : standIns[ref.key];
  const encoded = (secret.data as Record<string, string>)[ref.key];
  if (encoded === undefined && !ref.optional) throw new Error(`${ref.name} has no ${ref.key}`);
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
