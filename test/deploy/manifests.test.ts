import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { type Stack, startStack } from '../support/stack.ts';
import {
  healthcheck,
  inBuildContext,
  instructions,
  nginxBinary,
  nginxUpstreamPort,
  ROOT,
  readDockerfile,
  readEnvFile,
  renderNginxConfig,
  runtimeStage,
  single,
  stageEnv,
} from './helpers.ts';

/** The recipes read as data, and held to what the server and the image actually do. */

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  // biome-ignore lint/suspicious/noExplicitAny: each kind has its own spec, read field by field below
  spec: any;
  stringData?: Record<string, string>;
}

const KUBERNETES = join(ROOT, 'deploy/kubernetes');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const manifests = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(join(KUBERNETES, file), 'utf8')).map((document) => document.toJS() as Manifest);
const kustomization = parse(read('deploy/kubernetes/kustomization.yaml')) as { resources: string[] };
const applied = kustomization.resources.flatMap(manifests);
const byKind = (kind: string): Manifest => {
  const found = applied.filter((manifest) => manifest.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in the kustomization, found ${found.length}`);
  return found[0] as Manifest;
};
const deployment = byKind('Deployment');
const pod = deployment.spec.template.spec as {
  terminationGracePeriodSeconds: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
};
const container = pod.containers[0] as Container;
const secretExample = manifests('secret.example.yaml')[0] as Manifest;

const compose = parse(read('deploy/compose.yaml')) as {
  services: Record<
    string,
    {
      image?: string;
      deploy?: { replicas?: number };
      env_file?: { path: string; required?: boolean }[];
      environment?: Record<string, string>;
      read_only?: boolean;
      tmpfs?: string[];
      stop_grace_period?: string;
      volumes?: string[];
      ports?: string[];
    }
  >;
};
const facade = compose.services['facade'] ?? {};

const runtime = runtimeStage(readDockerfile());
const imageEnv = stageEnv(runtime);
const envExample = readEnvFile(join(ROOT, 'deploy/.env.example'));

/** Every variable a recipe sets, and where. */
const recipeVariables: [string, string][] = [
  ...Object.keys(imageEnv).map((name): [string, string] => [name, 'Dockerfile ENV']),
  ...Object.keys(facade.environment ?? {}).map((name): [string, string] => [name, 'deploy/compose.yaml']),
  ...Object.keys(readEnvFile(join(ROOT, 'deploy/.env.example'), true)).map((name): [string, string] => [
    name,
    'deploy/.env.example',
  ]),
  ...container.env.map(({ name }): [string, string] => [name, 'deploy/kubernetes/deployment.yaml']),
];

const INVALID_VALUES = ['x', '!', '-1'];

/**
 * Whether the server reads a variable, asked from the outside: some deliberately invalid value of
 * it makes loadConfig throw a configuration error that names it. A variable the server does not
 * know is ignored, whatever its value.
 */
function serverReads(name: string): boolean {
  return INVALID_VALUES.some((value) => {
    try {
      loadConfig({ NODE_ENV: 'test', [name]: value });
      return false;
    } catch (error) {
      return error instanceof Error && error.name === 'ConfigError' && error.message.includes(`${name}:`);
    }
  });
}

const durationMs = (text: string) => {
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) throw new Error(`a duration this test cannot read: ${text}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
};
const envOf = (vars: EnvVar[]) =>
  Object.fromEntries(vars.flatMap(({ name, value }) => (value === undefined ? [] : [[name, value]])));

describe('the variables the recipes set', () => {
  it.each(recipeVariables)('%s (%s) is a setting the server reads', (name) => {
    expect(serverReads(name), `${name} is ignored by the server`).toBe(true);
  });

  it('the probe itself tells a known variable from an unknown one', () => {
    expect(serverReads('PORT')).toBe(true);
    expect(serverReads('PORTT')).toBe(false);
  });

  it('compose: the image, .env.example and the service environment make a valid production configuration', () => {
    const env = { ...imageEnv, ...envExample, ...facade.environment };
    expect(env['NODE_ENV']).toBe('production');
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('kubernetes: the image, the Deployment and the Secret make a valid production configuration', () => {
    const fromSecret = Object.fromEntries(
      container.env.flatMap(({ name, valueFrom }) => {
        const ref = valueFrom?.secretKeyRef;
        return ref ? [[name, secretExample.stringData?.[ref.key] ?? '']] : [];
      }),
    );
    const env = { ...imageEnv, ...envOf(container.env), ...fromSecret };
    expect(env['NODE_ENV']).toBe('production');
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('the secrets come from the env file or a Secret, never from a committed value', () => {
    for (const name of ['SERVER_SECRET', 'REDIS_URL', 'METRICS_TOKEN']) {
      const variable = container.env.find((entry) => entry.name === name);
      expect(variable?.value, name).toBeUndefined();
      expect(variable?.valueFrom?.secretKeyRef?.name, name).toBe(secretExample.metadata.name);
      expect(Object.keys(secretExample.stringData ?? {})).toContain(variable?.valueFrom?.secretKeyRef?.key);
    }
    expect(Object.keys(facade.environment ?? {})).not.toContain('SERVER_SECRET');
    expect(Object.keys(envExample)).toContain('SERVER_SECRET');
    expect(facade.env_file).toEqual([{ path: '.env', required: true }]);
    const ignored = spawnSync('git', ['check-ignore', '-q', 'deploy/.env'], { cwd: ROOT });
    expect(ignored.status, 'deploy/.env must be ignored by git').toBe(0);
    expect(kustomization.resources).not.toContain('secret.example.yaml');
  });
});

describe('the probes and ports', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const healthPath = /\/health\b/.exec(healthcheck(runtime).command.join(' '))?.[0];
  const paths: [string, string | undefined][] = [
    ['livenessProbe', container.livenessProbe?.httpGet?.path],
    ['readinessProbe', container.readinessProbe?.httpGet?.path],
    ['HEALTHCHECK', healthPath],
  ];

  it.each(paths)('the %s path (%s) answers 200 from a running app', async (_probe, path) => {
    expect(path).toMatch(/^\//);
    const res = await fetch(`${stack.origin}${path}`);
    expect(res.status).toBe(200);
  });

  it('liveness is /health and readiness /ready, whose 503 while draining takes a pod out', () => {
    expect(container.livenessProbe?.httpGet?.path).toBe('/health');
    expect(container.readinessProbe?.httpGet?.path).toBe('/ready');
  });

  it('one port everywhere: the image, the Deployment, its probes, the Service and nginx', () => {
    const port = Number(imageEnv['PORT']);
    expect(instructions(runtime, 'EXPOSE').map((i) => i.args)).toEqual([String(port)]);
    const named = container.ports.find((p) => p.name === 'http');
    expect(named?.containerPort).toBe(port);
    expect(envOf(container.env)['PORT'] ?? String(port)).toBe(String(port));
    expect(container.livenessProbe?.httpGet?.port).toBe('http');
    expect(container.readinessProbe?.httpGet?.port).toBe('http');
    expect(byKind('Service').spec.ports[0].targetPort).toBe('http');
    expect(nginxUpstreamPort()).toBe(port);
  });
});

describe('the Kubernetes recipe', () => {
  const labels = deployment.spec.template.metadata.labels as Record<string, string>;
  const selects = (selector: Record<string, string>) =>
    Object.entries(selector).every(([name, value]) => labels[name] === value);

  it('runs two or more replicas that the Service, the PodDisruptionBudget and the autoscaler all select', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(selects(byKind('Service').spec.selector)).toBe(true);
    const pdb = byKind('PodDisruptionBudget');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.maxUnavailable ?? deployment.spec.replicas - pdb.spec.minAvailable).toBeLessThan(2);
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    // CPU utilisation is measured against the request: without one the autoscaler cannot act.
    expect(container.resources.requests?.['cpu']).toBeTruthy();
  });

  it('gives a stopping pod its preStop pause and SHUTDOWN_GRACE_MS before the kubelet kills it', () => {
    const preStop = container.lifecycle?.preStop;
    const pauseMs = preStop?.sleep
      ? preStop.sleep.seconds * 1000
      : Number(/setTimeout\([^,]*,\s*(\d+)\)/.exec(preStop?.exec?.command.join(' ') ?? '')?.[1]);
    expect(pauseMs).toBeGreaterThan(0);
    const graceMs = Number(envOf(container.env)['SHUTDOWN_GRACE_MS']);
    expect(graceMs).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(pauseMs + graceMs);
  });

  it('sets resources and runs as the image user, non-root, on a read-only root with /tmp writable', () => {
    expect(container.resources.requests?.['memory']).toBeTruthy();
    expect(container.resources.limits?.['memory']).toBeTruthy();
    const security = { ...pod.securityContext, ...container.securityContext };
    expect(security['runAsNonRoot']).toBe(true);
    expect(security['readOnlyRootFilesystem']).toBe(true);
    expect(security['allowPrivilegeEscalation']).toBe(false);
    const [uid, gid] = single(runtime, 'USER').split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(security['runAsUser']).toBe(uid);
    expect(security['runAsGroup']).toBe(gid);
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('uses a managed Redis from the Secret, not one it runs itself', () => {
    expect(applied.filter((m) => /redis/i.test(JSON.stringify(m.spec?.template?.spec?.containers ?? [])))).toEqual([
      deployment,
    ]);
    expect(applied.map((m) => m.kind)).not.toContain('StatefulSet');
    expect(secretExample.stringData?.['REDIS_URL']).toMatch(/^rediss:\/\//);
  });

  it('names an image version, not latest', () => {
    expect(container.image).toMatch(/:[\w.-]+$/);
    expect(container.image).not.toMatch(/:latest$/);
  });
});

describe('the compose recipe', () => {
  it('runs two or more facade replicas on a read-only filesystem, stopped after SHUTDOWN_GRACE_MS', () => {
    expect(facade.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(facade.read_only).toBe(true);
    expect(facade.tmpfs).toContain('/tmp');
    const graceMs = Number(facade.environment?.['SHUTDOWN_GRACE_MS']);
    expect(durationMs(facade.stop_grace_period ?? '10s')).toBeGreaterThan(graceMs);
  });

  it('shares the compose Redis and puts nginx, with the committed configuration, in front', () => {
    expect(new URL(facade.environment?.['REDIS_URL'] ?? '').hostname).toBe('redis');
    expect(compose.services['redis']).toBeDefined();
    const nginx = compose.services['nginx'];
    expect(nginx?.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    const listen = /^\s*listen\s+(\d+)/m.exec(read('deploy/nginx.conf'))?.[1];
    expect(nginx?.ports?.map((mapping) => mapping.split(':').at(-1))).toEqual([listen]);
  });
});

describe('the image build', () => {
  const stages = readDockerfile();

  it('builds and runs on node:24-bookworm-slim, through tini, as a non-root user', () => {
    expect(stages.map((stage) => stage.from)).toEqual(stages.map(() => 'node:24-bookworm-slim'));
    expect(single(runtime, 'ENTRYPOINT')).toBe('["/usr/bin/tini", "--"]');
    expect(Number(single(runtime, 'USER').split(':')[0])).toBeGreaterThan(0);
    expect(healthcheck(runtime).command[0]).toBe('node');
  });

  it('keeps secrets and local state out of the build context', () => {
    for (const path of ['.env', 'deploy/.env', 'node_modules', 'dist', 'test/artifacts', '.git']) {
      expect(inBuildContext(path), path).toBe(false);
    }
    for (const path of ['package.json', 'package-lock.json', 'src/main.ts'])
      expect(inBuildContext(path), path).toBe(true);
  });
});

describe('deploy/nginx.conf', () => {
  let dir: string;
  beforeAll(() => {
    nginxBinary();
    dir = mkdtempSync(join(tmpdir(), 'partner-graph-nginx-t-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const check = (config: string) => {
    writeFileSync(join(dir, 'nginx.conf'), config);
    return spawnSync(nginxBinary(), ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
  };

  it('passes nginx -t, which refuses a broken configuration', () => {
    const config = renderNginxConfig({ listen: 8080, upstreams: ['127.0.0.1:4000', '127.0.0.1:4001'], dir });
    const valid = check(config);
    expect(valid.status, valid.stderr).toBe(0);
    const broken = check(config.replace('keepalive 32;', 'keepalive 32 twice;'));
    expect(broken.status).not.toBe(0);
  });

  it('sends a POST that failed again only while the schema has no mutations to repeat', () => {
    expect(read('deploy/nginx.conf')).toContain('non_idempotent');
    expect(read('schema.graphql')).not.toMatch(/^type Mutation\b/m);
  });
});
