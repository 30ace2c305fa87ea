import { resolve } from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './kustomize';

// Two checks against the Kubernetes API schemas as published in `kubernetes-models`: its
// validators (generated from the official OpenAPI document) check types, formats and required
// fields; they accept unknown fields, which the API server refuses under strict field
// validation, so the same package's TypeScript declarations catch those (excess-property checks
// of the TypeScript compiler).

interface Model {
  validate(): void;
}
type ModelClass = new (data: object) => Model;

/** The kinds deploy/k8s uses: the `kubernetes-models` module of each `apiVersion/kind`. */
const MODELS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'autoscaling/v2/HorizontalPodAutoscaler':
    'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
};

const typeOf = (o: K8sObject) => `${o.apiVersion}/${o.kind}`;
const label = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** Schema violations of each object, as `Kind/name: problem` lines (empty when all are valid). */
export async function schemaProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const model = MODELS[typeOf(object)];
    if (!model) {
      problems.push(`${label(object)}: no schema for ${typeOf(object)}`);
      continue;
    }
    const Class = ((await import(model)) as Record<string, unknown>)[object.kind] as ModelClass;
    try {
      new Class(structuredClone(object)).validate();
    } catch (error) {
      problems.push(`${label(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Fields the Kubernetes API does not define, as `Kind/name: message` lines. */
export function unknownFieldProblems(objects: readonly K8sObject[]): string[] {
  const known = objects.filter((o) => MODELS[typeOf(o)]);
  const types = [...new Set(known.map(typeOf))];
  const imports = types.map(
    (type, i) => `import type { I${type.split('/').pop()} as T${i} } from '${MODELS[type]}';`,
  );
  // One declaration per line, so a diagnostic's line names its object.
  const declarations = known.map(
    (o, i) => `export const o${i}: T${types.indexOf(typeOf(o))} = ${JSON.stringify(o)};`,
  );
  const diagnostics = typeCheck([...imports, ...declarations].join('\n'));
  return diagnostics.map(({ line, message }) => {
    const object = known[line - imports.length];
    return `${object ? label(object) : `line ${line}`}: ${message}`;
  });
}

// Inside the repository so that node_modules resolves; never written to disk.
const VIRTUAL_FILE = resolve(__dirname, '__manifests__.mts');

function typeCheck(source: string): { line: number; message: string }[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.Node20,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    file === VIRTUAL_FILE
      ? ts.createSourceFile(file, source, language)
      : getSourceFile(file, language, ...rest);
  host.fileExists = (file) => file === VIRTUAL_FILE || fileExists(file);
  const program = ts.createProgram([VIRTUAL_FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1,
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
}
