import { createHash } from 'node:crypto';
import type { K8sObject } from './kustomize';

/**
 * The suffix kustomize appends to a generated ConfigMap or Secret name: the start of the sha256
 * of Go's JSON of the object's kind, name, data (and a Secret's type), with the characters
 * kustomize swaps so that a suffix never reads as a number or a word.
 */
export function nameSuffix(object: K8sObject): string {
  const fields: Record<string, unknown> = {
    data: object.data ?? {},
    kind: object.kind,
    name: object.metadata.name,
  };
  if (object.kind === 'Secret') fields.type = object.type;
  const hex = createHash('sha256').update(goJson(fields)).digest('hex');
  const swaps: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swaps[c] ?? c).join('');
}

/** JSON as Go's encoding/json writes it: map keys sorted, HTML characters escaped. */
function goJson(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const map = value as Record<string, unknown>;
    return `{${Object.keys(map)
      .sort()
      .map((k) => `${goJson(k)}:${goJson(map[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
