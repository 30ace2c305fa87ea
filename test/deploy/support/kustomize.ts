import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { nameSuffix } from './kustomize-hash';

// A renderer for exactly the kustomize features deploy/k8s uses, so the tests need no kustomize
// binary. Anything else in a kustomization (or a patch it cannot apply the way kustomize would)
// throws, so a manifest can never render differently here than with `kubectl kustomize`.

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

type Json = Record<string, unknown>;

interface Resource {
  object: K8sObject;
  /** Made by a generator: gets kustomize's content-hash name suffix at the end. */
  generated: boolean;
}

interface GeneratorSpec {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  envs?: string[];
  literals?: string[];
}

interface ImageSpec {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface LabelSpec {
  pairs: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: LabelSpec[];
  images?: ImageSpec[];
  patches?: { path: string }[];
  configMapGenerator?: GeneratorSpec[];
  secretGenerator?: GeneratorSpec[];
}

const FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'labels',
  'images',
  'patches',
  'configMapGenerator',
  'secretGenerator',
]);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
]);
/** Strategic-merge keys of the lists patches may touch; other lists are refused. */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
};
const ATOMIC_LISTS = new Set(['args', 'command']);

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Renders the kustomization in `dir` as `kubectl kustomize <dir>` would (order aside). */
export function renderKustomization(dir: string): K8sObject[] {
  const resources = build(resolve(dir));
  const renamed = new Map<string, string>();
  for (const r of resources.filter((r) => r.generated)) {
    const name = `${r.object.metadata.name}-${nameSuffix(r.object)}`;
    renamed.set(`${r.object.kind}/${r.object.metadata.name}`, name);
    r.object.metadata.name = name;
  }
  for (const r of resources) renameReferences(r.object, renamed);
  return resources.map((r) => r.object);
}

function build(dir: string): Resource[] {
  const k = readKustomization(dir);
  const resources: Resource[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) resources.push(...build(path));
    else resources.push(...readObjects(path).map((object) => ({ object, generated: false })));
  }
  for (const spec of k.configMapGenerator ?? []) generate(dir, spec, 'ConfigMap', resources);
  for (const spec of k.secretGenerator ?? []) generate(dir, spec, 'Secret', resources);
  assertUniqueIds(dir, resources);
  for (const { path } of k.patches ?? []) {
    for (const patch of readObjects(resolve(dir, path))) {
      strategicMerge(findTarget(resources, patch, path).object, patch, path);
    }
  }
  if (k.namespace) {
    for (const { object } of resources) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = k.namespace;
    }
  }
  for (const spec of k.labels ?? []) addLabels(resources, spec);
  for (const image of k.images ?? []) setImages(resources, image);
  return resources;
}

function readKustomization(dir: string): Kustomization {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Json;
  const unknown = Object.keys(k).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}: unsupported kustomize fields ${unknown}`);
  return k as Kustomization;
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

const idOf = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

function assertUniqueIds(dir: string, resources: Resource[]): void {
  const seen = new Set<string>();
  for (const { object } of resources) {
    if (seen.has(idOf(object))) throw new Error(`${dir}: ${idOf(object)} is defined twice`);
    seen.add(idOf(object));
  }
}

function generate(dir: string, spec: GeneratorSpec, kind: 'ConfigMap' | 'Secret', all: Resource[]) {
  const unknown = Object.keys(spec).filter(
    (k) => !['name', 'behavior', 'envs', 'literals'].includes(k),
  );
  if (unknown.length > 0) throw new Error(`${spec.name}: unsupported generator fields ${unknown}`);
  const data: Record<string, string> = {};
  for (const file of spec.envs ?? []) Object.assign(data, envFile(resolve(dir, file)));
  for (const literal of spec.literals ?? []) Object.assign(data, keyValue(literal, true));
  const encoded =
    kind === 'Secret'
      ? Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        )
      : data;
  const existing = all.find((r) => r.generated && idOf(r.object) === `${kind}/${spec.name}`);
  const behavior = spec.behavior ?? 'create';
  if (behavior === 'create') {
    if (existing) throw new Error(`${kind}/${spec.name} exists: use behavior merge or replace`);
    const object: K8sObject = {
      apiVersion: 'v1',
      kind,
      metadata: { name: spec.name },
      data: encoded,
    };
    if (kind === 'Secret') object.type = 'Opaque';
    all.push({ object, generated: true });
    return;
  }
  if (!existing) throw new Error(`${kind}/${spec.name}: nothing to ${behavior}`);
  existing.object.data =
    behavior === 'merge' ? { ...(existing.object.data as Json), ...encoded } : encoded;
}

/** A kustomize env file: KEY=VALUE lines taken verbatim, `#` comment lines, blank lines. */
function envFile(file: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    Object.assign(data, keyValue(line, false));
  }
  return data;
}

function keyValue(text: string, literal: boolean): Record<string, string> {
  const at = text.indexOf('=');
  if (at <= 0) throw new Error(`not KEY=VALUE: ${text}`);
  let value = text.slice(at + 1);
  // kustomize strips quotes around literals but keeps them (and spaces) in env files, where
  // they are almost always a mistake.
  const quoted = /^(["']).*\1$/.test(value);
  if (literal && quoted) value = value.slice(1, -1);
  else if (quoted || value !== value.trim()) throw new Error(`quotes or spaces around: ${text}`);
  return { [text.slice(0, at).trim()]: value };
}

function findTarget(resources: Resource[], patch: K8sObject, file: string): Resource {
  const group = (apiVersion: string) => apiVersion.split('/').slice(0, -1).join('/');
  const matches = resources.filter(
    ({ object }) =>
      idOf(object) === idOf(patch) && group(object.apiVersion) === group(patch.apiVersion),
  );
  if (matches.length !== 1)
    throw new Error(`${file}: ${matches.length} targets for ${idOf(patch)}`);
  return matches[0];
}

function strategicMerge(target: Json, patch: Json, path: string): void {
  for (const [key, value] of Object.entries(patch)) {
    const at = `${path}.${key}`;
    if (key.startsWith('$')) throw new Error(`${at}: patch directives are not supported`);
    const current = target[key];
    if (value === null) delete target[key];
    else if (isMap(value) && isMap(current)) strategicMerge(current, value, at);
    else if (Array.isArray(value) && Array.isArray(current) && !ATOMIC_LISTS.has(key)) {
      const mergeKey = MERGE_KEYS[key];
      if (!mergeKey) throw new Error(`${at}: merging this list is not supported`);
      for (const item of value as Json[]) {
        const match = (current as Json[]).find((c) => c[mergeKey] === item[mergeKey]);
        if (match) strategicMerge(match, item, `${at}[${String(item[mergeKey])}]`);
        else current.push(structuredClone(item));
      }
    } else target[key] = structuredClone(value);
  }
}

function addLabels(resources: Resource[], spec: LabelSpec): void {
  if (spec.includeSelectors || spec.includeTemplates) {
    throw new Error('labels: includeSelectors and includeTemplates are not supported');
  }
  for (const { object } of resources) {
    object.metadata.labels = { ...object.metadata.labels, ...spec.pairs };
  }
}

function setImages(resources: Resource[], spec: ImageSpec): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isMap(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        for (const container of value as Json[]) retag(container, spec);
      } else visit(value);
    }
  };
  resources.forEach((r) => visit(r.object));
}

function retag(container: Json, spec: ImageSpec): void {
  const image = String(container.image);
  const [, name, tag] = /^(.+?)(?::([^:/@]+))?(?:@.+)?$/.exec(image) ?? [];
  if (name !== spec.name) return;
  const suffix = spec.digest
    ? `@${spec.digest}`
    : (spec.newTag ?? tag)
      ? `:${spec.newTag ?? tag}`
      : '';
  container.image = `${spec.newName ?? name}${suffix}`;
}

/** Points references at generated ConfigMaps and Secrets to their hashed names. */
function renameReferences(node: unknown, renamed: Map<string, string>): void {
  if (Array.isArray(node)) return node.forEach((n) => renameReferences(n, renamed));
  if (!isMap(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (!isMap(value)) {
      renameReferences(value, renamed);
      continue;
    }
    const kind = ['configMapRef', 'configMapKeyRef', 'configMap'].includes(key)
      ? 'ConfigMap'
      : ['secretRef', 'secretKeyRef', 'secret'].includes(key)
        ? 'Secret'
        : undefined;
    const field = key === 'secret' ? 'secretName' : 'name';
    const target = kind && renamed.get(`${kind}/${String(value[field])}`);
    if (target) value[field] = target;
    renameReferences(value, renamed);
  }
}
