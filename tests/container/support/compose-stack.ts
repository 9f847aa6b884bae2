/**
 * Runs a Compose file's services with plain podman commands (podman-compose 1.0.3, Debian's, does
 * not do replicas or profiles the way Compose does): one network with DNS, each service under its
 * name as a network alias (two replicas answer to one name), containers named
 * `<project>-<service>-<n>` and labelled with the project, dependencies started (and, with
 * `service_healthy`, healthy) first. `down()` removes exactly what `up` made.
 */
import { join, resolve } from 'node:path';
import {
  dependenciesOf,
  readComposeFile,
  startOrder,
  type ComposeFile,
  type ComposeService,
} from './compose-file.js';
import { podman } from './podman.js';

const PROJECT_LABEL = 'io.turnpike.test-project';
const HEALTH_TIMEOUT_MS = 180_000;
const HEALTH_POLL_MS = 1_000;
const IMAGE_BUILD_TIMEOUT_MS = 20 * 60_000;

export interface ComposeUpOptions {
  file: string;
  /** Prefix of every container, network and volume name; unique per run. */
  project: string;
  env: Record<string, string | undefined>;
  profiles?: readonly string[];
  /** Build and podman output goes here. */
  logFile: string;
  /** Extra `podman build` arguments (e.g. an offline npm cache). */
  buildArgs?: readonly string[];
}

export interface ComposeStack {
  project: string;
  file: ComposeFile;
  /** Container names of a service, one per replica. */
  containers(service: string): string[];
  /** Waits until every container of `service` passes its healthcheck (the image's or the file's). */
  waitHealthy(service: string, timeoutMs?: number): Promise<void>;
  /** The last lines of a container's log. */
  logs(container: string): Promise<string>;
  down(): Promise<void>;
}

function containerNames(project: string, service: ComposeService): string[] {
  const replicas = service.deploy?.replicas ?? 1;
  return Array.from({ length: replicas }, (_, i) => `${project}-${service.name}-${i + 1}`);
}

function volumeArgs(file: ComposeFile, project: string, spec: string): string[] {
  const [source, target, mode] = spec.split(':');
  if (source === undefined || target === undefined) throw new Error(`compose: volume "${spec}"`);
  const isBind = source.startsWith('.') || source.startsWith('/');
  if (!isBind && !file.namedVolumes.includes(source)) throw new Error(`compose: undeclared volume ${source}`);
  const host = isBind ? resolve(file.dir, source) : `${project}_${source}`;
  return ['-v', [host, target, ...(mode === undefined ? [] : [mode])].join(':')];
}

/** Compose's `[CMD, arg…]` / `[CMD-SHELL, line]` as podman 4.3's --health-cmd (a shell line). */
function healthCommand(test: readonly string[]): string {
  const [form, ...rest] = test;
  if (form === 'CMD-SHELL' && rest.length === 1) return rest[0]!;
  if (form !== 'CMD') throw new Error(`compose: healthcheck test ${JSON.stringify(test)}`);
  return rest.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
}

function runArgs(file: ComposeFile, project: string, network: string, service: ComposeService, name: string) {
  const args = ['run', '-d', '--name', name, '--label', `${PROJECT_LABEL}=${project}`];
  args.push('--network', network, '--network-alias', service.name, '--hostname', name);
  // Compose makes only the tmpfs mounts the file lists; podman's --read-only adds its own unless told not to.
  if (service.read_only === true) args.push('--read-only', '--read-only-tmpfs=false');
  for (const path of service.tmpfs ?? []) args.push('--tmpfs', path);
  // Names only: podman takes the values from its own environment, so secrets stay out of the
  // command line and the log.
  for (const key of Object.keys(service.environment ?? {})) args.push('-e', key);
  for (const spec of service.volumes ?? []) args.push(...volumeArgs(file, project, spec));
  for (const port of service.ports ?? []) args.push('-p', port);
  if (service.restart !== undefined) args.push('--restart', service.restart);
  const health = service.healthcheck;
  if (health !== undefined) {
    args.push('--health-cmd', healthCommand(health.test));
    if (health.interval !== undefined) args.push('--health-interval', health.interval);
    if (health.timeout !== undefined) args.push('--health-timeout', health.timeout);
    if (health.retries !== undefined) args.push('--health-retries', String(health.retries));
  }
  args.push(service.image, ...(service.command ?? []));
  return args;
}

function serviceEnv(service: ComposeService): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = String(value);
  return env;
}

async function buildImages(file: ComposeFile, opts: ComposeUpOptions): Promise<void> {
  const built = new Set<string>();
  for (const service of file.services) {
    if (service.build === undefined || built.has(service.image)) continue;
    built.add(service.image);
    const context = resolve(file.dir, service.build.context);
    await podman(
      [
        'build',
        '--pull=never',
        '--format',
        'docker', // OCI images drop HEALTHCHECK
        '-f',
        join(context, service.build.dockerfile),
        ...(service.build.target === undefined ? [] : ['--target', service.build.target]),
        ...(opts.buildArgs ?? []),
        '-t',
        service.image,
        context,
      ],
      { logFile: opts.logFile, timeoutMs: IMAGE_BUILD_TIMEOUT_MS },
    );
  }
}

async function waitHealthyContainer(name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    // podman 4.3 runs healthchecks from systemd timers; without systemd the test runs them itself.
    const result = await podman(['healthcheck', 'run', name], { allowFailure: true });
    if (result.exitCode === 0) return;
    last = `${result.stdout}${result.stderr}`.trim();
    if (Date.now() > deadline) throw new Error(`${name} not healthy within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
}

/** Builds the file's images, then starts its active services in dependency order. */
export async function composeUp(opts: ComposeUpOptions): Promise<ComposeStack> {
  const file = await readComposeFile(opts.file, opts.env, opts.profiles ?? []);
  const { project } = opts;
  const network = `${project}_default`;
  const byName = new Map(file.services.map((s) => [s.name, s]));
  const stack: ComposeStack = {
    project,
    file,
    containers(service) {
      const found = byName.get(service);
      if (found === undefined) throw new Error(`compose: no active service ${service}`);
      return containerNames(project, found);
    },
    async waitHealthy(service, timeoutMs = HEALTH_TIMEOUT_MS) {
      await Promise.all(stack.containers(service).map((c) => waitHealthyContainer(c, timeoutMs)));
    },
    async logs(container) {
      const { stdout, stderr } = await podman(['logs', '--tail', '60', container], { allowFailure: true });
      return `${stdout}${stderr}`;
    },
    async down() {
      const { stdout } = await podman(['ps', '-aq', '--filter', `label=${PROJECT_LABEL}=${project}`]);
      const ids = stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await podman(['rm', '-f', '-t', '3', ...ids], { allowFailure: true });
      await podman(['network', 'rm', '-f', network], { allowFailure: true });
      for (const volume of file.namedVolumes)
        await podman(['volume', 'rm', '-f', `${project}_${volume}`], { allowFailure: true });
    },
  };
  await buildImages(file, opts);
  await podman(['network', 'create', '--label', `${PROJECT_LABEL}=${project}`, network]);
  try {
    for (const service of startOrder(file.services)) {
      for (const dep of dependenciesOf(service)) if (dep.healthy) await stack.waitHealthy(dep.name);
      for (const name of containerNames(project, service))
        await podman(runArgs(file, project, network, service, name), {
          logFile: opts.logFile,
          env: serviceEnv(service),
        });
    }
  } catch (err) {
    await stack.down();
    throw err;
  }
  return stack;
}
