import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ToolingEnv, loadToolingConfig } from '@libs/config';
import { HealthModule } from '@libs/observability';
import { APP_CONFIG, undeclared } from './support/app-config';
import { schemaProblems, unknownFieldProblems } from './support/k8s-validation';
import { launchEnvOf } from './support/launch-env';
import { renderKustomization, type K8sObject } from './support/kustomize';
import {
  appContainer,
  containerEnv,
  find,
  podLabels,
  podSpec,
  portNamed,
  PORTICO_APPS,
  selects,
} from './support/manifests';

const K8S = resolve(__dirname, '../../deploy/k8s');
const OVERLAYS = ['dev', 'prod'];

/** Values of the Secrets an operator creates (the prod overlay only refers to them). */
const SECRET_STAND_INS = {
  DATABASE_URL: 'postgres://portico:stand-in@db.internal:5432/portico',
  REDIS_URL: 'redis://:stand-in@redis.internal:6379/0',
  ADMIN_TOKEN: 'stand-in-admin-token-0123456789',
  PORTICO_KEK: randomBytes(32).toString('base64'),
};

/** The routes of the shared health controller, read from its Nest metadata. */
function healthRoute(method: 'live' | 'ready'): string {
  const [controller] = HealthModule.forRoot({ checks: [] }).controllers ?? [];
  const handler = (controller.prototype as Record<string, object>)[method];
  expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBe(RequestMethod.GET);
  return `/${Reflect.getMetadata(PATH_METADATA, controller)}/${Reflect.getMetadata(PATH_METADATA, handler)}`;
}

/** Seconds the preStop hook holds the pod before SIGTERM. */
function preStopSeconds(object: K8sObject): number {
  const preStop = appContainer(object).lifecycle?.preStop;
  const command = preStop?.exec?.command ?? [];
  if (command[0] === 'sleep') return Number(command[1]);
  if (preStop?.sleep) return preStop.sleep.seconds;
  throw new Error(`${object.metadata.name}: no preStop drain`);
}

describe.each(OVERLAYS)('deploy/k8s/overlays/%s', (overlay) => {
  const objects = renderKustomization(join(K8S, 'overlays', overlay));
  const loaded = (app: (typeof PORTICO_APPS)[number]) => {
    const env = containerEnv(
      objects,
      appContainer(find(objects, 'Deployment', app)),
      SECRET_STAND_INS,
    );
    return { env, config: APP_CONFIG[app].load(env) };
  };

  it('renders objects that are valid against the Kubernetes schemas', async () => {
    expect(objects.length).toBeGreaterThan(20);
    expect(await schemaProblems(objects)).toEqual([]);
  });

  it('uses only fields the Kubernetes API defines', () => {
    expect(unknownFieldProblems(objects)).toEqual([]);
  });

  it.each(PORTICO_APPS)(
    '%s: Deployment, Service, autoscaler and disruption budget fit together',
    (app) => {
      const deployment = find(objects, 'Deployment', app);
      const labels = podLabels(deployment);
      const spec = deployment.spec as {
        replicas?: number;
        selector: { matchLabels: Record<string, string> };
      };
      expect(selects(spec.selector.matchLabels, labels)).toBe(true);
      // The autoscaler owns the replica count.
      expect(spec.replicas).toBeUndefined();
      expect(appContainer(deployment).args).toEqual([app]);

      const service = find(objects, 'Service', app).spec as {
        selector: Record<string, string>;
        ports: { port: number; targetPort: string }[];
      };
      expect(selects(service.selector, labels)).toBe(true);
      for (const port of service.ports) {
        expect(portNamed(appContainer(deployment), port.targetPort)).toBe(port.port);
      }

      const hpa = find(objects, 'HorizontalPodAutoscaler', app).spec as {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
      };
      expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: app });
      expect(hpa.minReplicas).toBeLessThanOrEqual(hpa.maxReplicas);

      const pdb = find(objects, 'PodDisruptionBudget', app).spec as {
        selector: { matchLabels: Record<string, string> };
        maxUnavailable?: number;
        minAvailable?: number;
      };
      expect(selects(pdb.selector.matchLabels, labels)).toBe(true);
      // A budget that can never be met would block every node drain.
      expect(pdb.maxUnavailable ?? hpa.minReplicas - pdb.minAvailable!).toBeGreaterThanOrEqual(1);
    },
  );

  it.each(PORTICO_APPS)('%s: probes the health controller routes on the HTTP port', (app) => {
    const container = appContainer(find(objects, 'Deployment', app));
    const { liveness, readiness, startup } = {
      liveness: container.livenessProbe?.httpGet,
      readiness: container.readinessProbe?.httpGet,
      startup: container.startupProbe?.httpGet,
    };
    expect(liveness).toEqual({ path: healthRoute('live'), port: 'http' });
    expect(readiness).toEqual({ path: healthRoute('ready'), port: 'http' });
    expect(startup ?? liveness).toEqual({ path: healthRoute('live'), port: 'http' });
  });

  it.each(PORTICO_APPS)('%s: its config loader accepts the environment, ports match', (app) => {
    const deployment = find(objects, 'Deployment', app);
    const container = appContainer(deployment);
    const { env, config } = loaded(app);
    expect(undeclared(env, APP_CONFIG[app].schema)).toEqual([]);
    expect(env).toMatchObject(launchEnvOf(app));
    const annotations = (deployment.spec as { template: { metadata: { annotations: object } } })
      .template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/port': String(config.http.port) });
    const ports = Object.fromEntries(container.ports!.map((p) => [p.name, p.containerPort]));
    const smtp = config.smtp ? { smtp: config.smtp.port } : {};
    expect(ports).toEqual({ http: config.http.port, ...smtp });
  });

  it.each(PORTICO_APPS)('%s: runs as non-root and gets time for drain and shutdown', (app) => {
    const deployment = find(objects, 'Deployment', app);
    const pod = podSpec(deployment);
    const container = appContainer(deployment);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    // Service links would set AUTH_PORT=tcp://… and the like over the apps' port variables.
    expect(pod.enableServiceLinks).toBe(false);
    const { shutdown } = loaded(app).config;
    const neededMs = preStopSeconds(deployment) * 1000 + shutdown.drainMs + shutdown.timeoutMs;
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(neededMs);
  });

  it('runs every app and the migration Job from the overlay image', () => {
    const job = find(objects, 'Job', 'portico-migrate');
    const images = [...PORTICO_APPS.map((app) => find(objects, 'Deployment', app)), job].map(
      (o) => appContainer(o).image,
    );
    expect(new Set(images).size).toBe(1);
    expect(images[0]).toMatch(/^[^:]+:[^:]+$/);
    expect(images[0]).not.toBe('portico');
    expect(appContainer(job).args).toEqual(['migrate']);
    const env = containerEnv(objects, appContainer(job), SECRET_STAND_INS);
    expect(undeclared(env, ToolingEnv)).toEqual([]);
    expect(loadToolingConfig(env).database.url).toBe(env.DATABASE_URL);
  });

  it('gives the apps that share a setting the same value', () => {
    const value = (app: (typeof PORTICO_APPS)[number], name: string) => loaded(app).env[name];
    expect(value('sync-orchestrator', 'ISSUER')).toBe(value('auth', 'ISSUER'));
    const ttl = (app: 'auth' | 'client-registry') => value(app, 'CLIENT_REGISTRY_CACHE_TTL');
    expect(ttl('client-registry')).toBe(ttl('auth'));
    expect(find(objects, 'Service', 'sync-orchestrator').spec).not.toMatchObject({
      sessionAffinity: 'ClientIP',
    });
  });

  it('commits secret values only as obvious development values', () => {
    const secrets = objects.filter((o) => o.kind === 'Secret');
    const names = secrets.map((s) => s.metadata.name.replace(/-[a-z0-9]{10}$/, ''));
    expect(names).toEqual(overlay === 'dev' ? ['portico-secrets'] : []);
    const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');
    const data = secrets.map((s) => s.data as Record<string, string>);
    const marked = [
      ...data.map((d) => decode(d.ADMIN_TOKEN)),
      ...data.map((d) => decode(decode(d.PORTICO_KEK))),
    ];
    expect(marked.filter((value) => !/development/i.test(value))).toEqual([]);
  });
});

describe('the manifest checks', () => {
  const deployment = (container: object): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'broken' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container] } },
    },
  });
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'portico-kustomize-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reject values the schema forbids', async () => {
    const broken = deployment({ name: 'app', ports: [{ containerPort: 'http' }] });
    expect(await schemaProblems([broken])).toEqual([
      expect.stringMatching(/^Deployment\/broken: .*containerPort must be integer/),
    ]);
  });

  it('reject a misspelt field', () => {
    const broken = deployment({ name: 'app', image: 'portico', livenesProbe: {} });
    expect(unknownFieldProblems([broken])).toEqual([
      expect.stringMatching(/^Deployment\/broken: .*'"livenesProbe"' does not exist/),
    ]);
  });

  it('render generated names exactly as kustomize documents them', () => {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'configMapGenerator:\n- name: example-configmap-2\n  literals:\n  - FOO=Bar\n',
    );
    // The example of the Kubernetes documentation ("Managing Kubernetes objects: Kustomize").
    expect(renderKustomization(dir)[0].metadata.name).toBe('example-configmap-2-g2hdhfc6tk');
  });

  it('refuse kustomize features the renderer does not implement', () => {
    writeFileSync(join(dir, 'kustomization.yaml'), 'namePrefix: x-\nresources: []\n');
    expect(() => renderKustomization(dir)).toThrow(/unsupported kustomize fields namePrefix/);
  });
});
