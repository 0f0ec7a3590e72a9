import { readdirSync, readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SETTINGS } from '../../src/config/settings.js';

/**
 * deploy/k8s/*.yaml: every object valid against the Kubernetes API schema (kubernetes-models, offline),
 * and the gateway-specific choices checked against the gateway itself: probe paths and port, the
 * grace period against the drain timeout, every env var a real setting with a valid value.
 */

const DIR = new URL('../../deploy/k8s/', import.meta.url);
type Manifest = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;
const manifests: { file: string; object: Manifest }[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return { file, object: doc.toJS() as Manifest };
    }),
  );

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 Secret': Secret,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

function one<T>(kind: string): T {
  const found = manifests.filter((m) => m.object.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]?.object as T;
}

const deployment = one<Deployment>('Deployment');
const pod = deployment.spec?.template.spec;
const container = pod?.containers[0];
const env = new Map((container?.env ?? []).map((e) => [e.name, e]));
const envValue = (name: string) => env.get(name)?.value;
/** The closing steps after the drain, each bounded to 5 s (src/lifecycle/gateway-lifecycle.ts): store, WeChat client, Yoga. */
const CLOSING_STEPS_SECONDS = 3 * 5;

describe('the Kubernetes manifests', () => {
  it('are all valid objects of the Kubernetes API', () => {
    expect(manifests.map((m) => m.object.kind).sort()).toEqual([
      'Deployment',
      'PodDisruptionBudget',
      'Secret',
      'Secret',
      'Secret',
      'Service',
    ]);
    for (const { file, object } of manifests) {
      const Model = MODELS[`${object.apiVersion} ${object.kind}`];
      expect(Model, `${file}: ${object.apiVersion} ${object.kind}`).toBeDefined();
      if (Model) expect(() => new Model(object as never).validate(), `${file} ${object.kind}`).not.toThrow();
    }
  });

  it('catch an invalid object (the validation is not a no-op)', () => {
    const broken = structuredClone(deployment) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });

  it('run three non-root replicas of node dist/main.js on a read-only root filesystem, with resources', () => {
    expect(deployment.spec?.replicas).toBe(3);
    expect(pod?.containers).toHaveLength(1);
    expect(container?.command).toEqual(['node', 'dist/main.js']);
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(pod?.securityContext?.runAsUser).not.toBe(0);
    expect(container?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.resources?.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container?.resources?.limits?.memory).toBeDefined();
  });

  it('probe /health for liveness and /ready for readiness on the port the gateway listens on', () => {
    const port = container?.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(Number(envValue('PORT') ?? SETTINGS.PORT.default));
    expect(envValue('HOST')).toBe('0.0.0.0');
    expect(container?.livenessProbe?.httpGet).toMatchObject({ path: '/health', port: 'http' });
    expect(container?.readinessProbe?.httpGet).toMatchObject({ path: '/ready', port: 'http' });
  });

  it('give a grace period above the preStop wait, the drain timeout and the closing steps', () => {
    const preStop = container?.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const preStopSeconds = Number(preStop[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    const defaultDrainMs = Number(SETTINGS.SHUTDOWN_TIMEOUT_MS.default);
    expect(defaultDrainMs).toBeGreaterThan(0);
    const drainMs = Number(envValue('SHUTDOWN_TIMEOUT_MS') ?? defaultDrainMs);
    // The gateway's own default, whatever the manifest sets.
    const drainSeconds = Math.max(drainMs, defaultDrainMs) / 1000;
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThan(
      preStopSeconds + drainSeconds + CLOSING_STEPS_SECONDS,
    );
  });

  it('set only real gateway settings, each with a value the gateway accepts', () => {
    const settings = SETTINGS as Record<string, { schema: { safeParse(v: string): { success: boolean } } }>;
    expect([...env.keys()].filter((name) => !(name in settings))).toEqual([]);
    for (const [name, variable] of env) {
      if (variable.value === undefined) continue;
      expect(settings[name]?.schema.safeParse(variable.value).success, `${name}=${variable.value}`).toBe(
        true,
      );
    }
    expect(envValue('NODE_ENV')).toBe('production');
    expect(envValue('REDIS_SENTINELS')).toBeDefined();
    expect(envValue('REDIS_SENTINEL_MASTER')).toBeDefined();
  });

  it("sets GATEWAY_ALLOWED_HOSTS with the Service's name, so callers in the cluster are not refused with 421", () => {
    const service = one<Service>('Service');
    const allowed = SETTINGS.GATEWAY_ALLOWED_HOSTS.schema.parse(envValue('GATEWAY_ALLOWED_HOSTS') ?? '');
    expect(allowed.map((entry) => entry.host)).toContain(service.metadata?.name);
  });

  it('mount the API keys and the apps from Secrets at the files the settings name', () => {
    const secrets = new Map(
      manifests
        .filter((m) => m.object.kind === 'Secret')
        .map((m) => [m.object.metadata.name, m.object as unknown as Secret]),
    );
    for (const setting of ['GATEWAY_API_KEYS_FILE', 'WECHAT_APPS_FILE']) {
      const path = envValue(setting) ?? '';
      const mount = container?.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
      expect(mount?.readOnly, setting).toBe(true);
      const volume = pod?.volumes?.find((v) => v.name === mount?.name);
      const secret = secrets.get(volume?.secret?.secretName ?? '');
      const file = path.slice((mount?.mountPath.length ?? 0) + 1);
      expect(Object.keys(secret?.stringData ?? {}), setting).toContain(file);
      expect(() => JSON.parse(secret?.stringData?.[file] ?? ''), setting).not.toThrow();
    }
    expect(env.has('GATEWAY_API_KEYS')).toBe(false);
  });

  it('route the Service and the disruption budget to the gateway pods', () => {
    const labels = deployment.spec?.template.metadata?.labels ?? {};
    const service = one<Service>('Service');
    const pdb = one<PodDisruptionBudget>('PodDisruptionBudget');
    for (const [key, value] of Object.entries(service.spec?.selector ?? {})) expect(labels[key]).toBe(value);
    for (const [key, value] of Object.entries(pdb.spec?.selector?.matchLabels ?? {}))
      expect(labels[key]).toBe(value);
    expect(service.spec?.ports?.[0]?.targetPort).toBe('http');
    expect(Number(pdb.spec?.minAvailable)).toBeLessThan(deployment.spec?.replicas ?? 0);
    expect(Number(pdb.spec?.minAvailable)).toBeGreaterThan(0);
  });
});
