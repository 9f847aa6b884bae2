/**
 * Reading the rendered workloads: containers, their named ports, the ConfigMaps they mount, and
 * each service's effective configuration as the pod would load it (the ConfigMap's file plus the
 * pod's environment, with stand-in values for the Secrets it references).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { one, REPO_DIR, type K8sObject } from './kustomize.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  image: string;
  command: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  automountServiceAccountToken?: boolean;
  volumes?: Array<{ name: string; configMap?: { name: string } }>;
}
export interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

export const deploymentSpec = (objects: K8sObject[], name: string): DeploymentSpec =>
  one(objects, 'Deployment', name).spec as DeploymentSpec;

export function containerPort(c: Container, name: string): number {
  const port = c.ports?.find((p) => p.name === name);
  if (port === undefined) throw new Error(`container ${c.name} has no port named ${name}`);
  return port.containerPort;
}

/** The data of the ConfigMap `c` reads its environment from (envFrom). */
export function envFromData(objects: K8sObject[], c: Container): Record<string, string> {
  const data: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (name === undefined) throw new Error(`${c.name}: envFrom other than a ConfigMap`);
    Object.assign(data, one(objects, 'ConfigMap', name).data as Record<string, string>);
  }
  return data;
}

/** The ConfigMap file mounted at `dir` in `c` (the service's --config file). */
export function mountedFile(objects: K8sObject[], pod: PodSpec, c: Container, file: string): string {
  const dir = path.dirname(file);
  const mount = c.volumeMounts?.find((m) => m.mountPath === dir);
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  const cm = volume?.configMap?.name;
  if (cm === undefined) throw new Error(`${c.name}: no ConfigMap mounted at ${dir}`);
  const text = (one(objects, 'ConfigMap', cm).data as Record<string, string>)[path.basename(file)];
  if (text === undefined) throw new Error(`${c.name}: ConfigMap ${cm} has no ${path.basename(file)}`);
  return text;
}

/** Stand-ins for the values of the Secrets the container references (shaped as the real ones). */
function secretStandIn(secret: string, key: string): string {
  if (key === 'database-url') return 'postgres://turnpike:secret@postgres:5432/turnpike';
  if (key === 'token-signing-key')
    return generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
  return `stand-in-${secret}-${key}-0123456789abcdef0123456789abcdef`;
}

/** The container's environment: its ConfigMap env plus its env (Secrets by stand-ins). */
export function podEnv(objects: K8sObject[], c: Container): Record<string, string> {
  const env: Record<string, string> = { ...envFromData(objects, c) };
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref !== undefined) env[e.name] = secretStandIn(ref.name, ref.key);
    else if (e.value !== undefined) env[e.name] = e.value;
    else throw new Error(`${c.name}: env ${e.name} has neither a value nor a Secret reference`);
  }
  return env;
}

/** The `--config <file>` argument of a container's command. */
export function configArg(c: Container): string {
  const i = c.command.indexOf('--config');
  const file = i >= 0 ? c.command[i + 1] : undefined;
  if (file === undefined) throw new Error(`${c.name}: no --config in ${c.command.join(' ')}`);
  return file;
}

/** What tests/deploy/load-config-main.ts prints for the authorizer. */
export interface AuthzSummary {
  listeners: { host: string; httpPort: number; grpcPort?: number };
  jwksUrl: string | undefined;
  portalInternalUrl: string;
  portalToken: string;
}
/** What tests/deploy/load-config-main.ts prints for the portal. */
export interface PortalSummary {
  listeners: { public: { host: string; port: number }; internal: { host: string; port: number } };
  internalToken: string;
  publicPathPrefix: string;
}

const LOAD_TIMEOUT_MS = 60_000;

/**
 * The service's configuration as its pod loads it: the ConfigMap's file and the pod's environment
 * (Secrets by stand-ins), through the service's own loader in a child Node process.
 */
function effectiveConfig(objects: K8sObject[], pod: PodSpec, c: Container, service: string): unknown {
  const file = configArg(c);
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-k8s-'));
  try {
    const local = path.join(dir, path.basename(file));
    writeFileSync(local, mountedFile(objects, pod, c, file));
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', path.join(HERE, 'load-config-main.ts'), service, local],
      {
        cwd: REPO_DIR,
        encoding: 'utf8',
        timeout: LOAD_TIMEOUT_MS,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...podEnv(objects, c) },
      },
    );
    if (run.status !== 0)
      throw new Error(`${service} config does not load: ${run.error?.message ?? run.stderr}`);
    return JSON.parse(run.stdout) as unknown;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const effectiveAuthzConfig = (objects: K8sObject[], pod: PodSpec, c: Container): AuthzSummary =>
  effectiveConfig(objects, pod, c, 'authz') as AuthzSummary;

export const effectivePortalConfig = (objects: K8sObject[], pod: PodSpec, c: Container): PortalSummary =>
  effectiveConfig(objects, pod, c, 'portal') as PortalSummary;
