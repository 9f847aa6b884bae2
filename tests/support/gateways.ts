/**
 * Starts real NGINX, Caddy and HAProxy (Debian packages) with the configs shipped in
 * integrations/, rendered with test addresses in place of the __PLACEHOLDERS__, in a temp dir,
 * on a free port. A missing binary is an error (run scripts/test-deps), never a skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { spawnTracked, type TrackedProcess } from './processes.js';

export type GatewayKind = 'nginx' | 'caddy' | 'haproxy';
export const GATEWAY_KINDS: readonly GatewayKind[] = ['nginx', 'caddy', 'haproxy'];

export interface GatewayTargets {
  /** authz-service HTTP listener, host:port */
  authz: string;
  /** payment-portal public listener, host:port */
  portal: string;
  /** the protected app, host:port */
  upstream: string;
}

export interface RunningGateway {
  kind: GatewayKind;
  port: number;
  /** The rendered config files, by integrations/ relative path (for assertions and debugging). */
  rendered: Record<string, string>;
  output(): string;
  stop(): Promise<void>;
}

/** integrations/ at the repo root. */
export const INTEGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../integrations',
);

const BINARIES: Record<GatewayKind, string[]> = {
  nginx: ['/usr/sbin/nginx', 'nginx'],
  caddy: ['/usr/bin/caddy', 'caddy'],
  haproxy: ['/usr/sbin/haproxy', 'haproxy'],
};

/** Absolute path of a gateway binary, or an error telling how to install it. */
export function gatewayBinary(kind: GatewayKind): string {
  for (const candidate of BINARIES[kind]) {
    if (candidate.startsWith('/') && existsSync(candidate)) return candidate;
    if (!candidate.startsWith('/')) {
      try {
        return execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim();
      } catch {
        // not on PATH
      }
    }
  }
  throw new Error(`${kind} is not installed: run scripts/test-deps (sudo apt-get install -y ${kind})`);
}

/**
 * Reads an integrations/ file and replaces every `__NAME__` with `values.NAME` (comment lines
 * are left as they are); a placeholder without a value is an error.
 */
export function renderIntegration(relativePath: string, values: Record<string, string>): string {
  const text = readFileSync(path.join(INTEGRATIONS_DIR, relativePath), 'utf8');
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trimStart();
      if (trimmed.startsWith('#') || trimmed.startsWith('--')) return line;
      return line.replace(/__([A-Z_]+)__/g, (_m, name: string) => {
        const value = values[name];
        if (value === undefined) throw new Error(`${relativePath}: no value for placeholder __${name}__`);
        return value;
      });
    })
    .join('\n');
}

export interface GatewayOptions {
  /**
   * NGINX only: false renders snippets/turnpike-internal.conf without its
   * `include snippets/turnpike-decision-cache.conf;` line, as docs/decision-cache.md says to
   * switch the decision cache off. Default: the shipped config, cache on.
   */
  decisionCache?: boolean;
}

/** The line of snippets/turnpike-internal.conf that switches the NGINX decision cache on. */
export const NGINX_DECISION_CACHE_INCLUDE = 'include snippets/turnpike-decision-cache.conf;';

/** Starts `kind` in front of `targets`; resolves once it accepts connections. */
export async function startGateway(
  kind: GatewayKind,
  targets: GatewayTargets,
  opts: GatewayOptions = {},
): Promise<RunningGateway> {
  const binary = gatewayBinary(kind);
  const dir = mkdtempSync(path.join(tmpdir(), `turnpike-${kind}-`));
  const port = await freePort();
  const rendered: Record<string, string> = {};
  const write = (
    relative: string,
    target: string,
    values: Record<string, string>,
    edit: (text: string) => string = (text) => text,
  ): void => {
    const text = edit(renderIntegration(relative, values));
    rendered[relative] = text;
    mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
    writeFileSync(path.join(dir, target), text);
  };

  let proc: TrackedProcess;
  try {
    switch (kind) {
      case 'nginx': {
        const values = {
          AUTHZ_ADDR: targets.authz,
          PORTAL_ADDR: targets.portal,
          UPSTREAM_ADDR: targets.upstream,
          LISTEN: `127.0.0.1:${port}`,
          SERVER_NAME: '_',
          DECISION_CACHE_DIR: path.join(dir, 'decisions'),
        };
        write('nginx/turnpike.conf', 'conf.d/turnpike.conf', values);
        write('nginx/snippets/turnpike-auth.conf', 'snippets/turnpike-auth.conf', values);
        write('nginx/snippets/turnpike-internal.conf', 'snippets/turnpike-internal.conf', values, (text) => {
          if (opts.decisionCache !== false) return text;
          const off = text.replace(`    ${NGINX_DECISION_CACHE_INCLUDE}\n`, '');
          if (off === text)
            throw new Error(`turnpike-internal.conf: no "${NGINX_DECISION_CACHE_INCLUDE}" line`);
          return off;
        });
        write('nginx/snippets/turnpike-decision-cache.conf', 'snippets/turnpike-decision-cache.conf', values);
        writeFileSync(path.join(dir, 'nginx.conf'), nginxMainConfig(dir));
        proc = spawnTracked(binary, [
          '-p',
          dir,
          '-c',
          path.join(dir, 'nginx.conf'),
          '-e',
          path.join(dir, 'error.log'),
        ]);
        break;
      }
      case 'caddy': {
        write('caddy/Caddyfile', 'Caddyfile', {
          SITE: `http://:${port}`,
          BIND: '127.0.0.1',
          AUTHZ_ADDR: targets.authz,
          PORTAL_ADDR: targets.portal,
          UPSTREAM_ADDR: targets.upstream,
        });
        proc = spawnTracked(
          binary,
          ['run', '--config', path.join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
          {
            env: {
              ...process.env,
              XDG_DATA_HOME: path.join(dir, 'data'),
              XDG_CONFIG_HOME: path.join(dir, 'config'),
              HOME: dir,
            },
          },
        );
        break;
      }
      case 'haproxy': {
        write('haproxy/turnpike.lua', 'turnpike.lua', {});
        write('haproxy/haproxy.cfg', 'haproxy.cfg', {
          LUA_PATH: path.join(dir, 'turnpike.lua'),
          BIND: `127.0.0.1:${port}`,
          AUTHZ_ADDR: targets.authz,
          PORTAL_ADDR: targets.portal,
          UPSTREAM_ADDR: targets.upstream,
        });
        proc = spawnTracked(binary, ['-db', '-f', path.join(dir, 'haproxy.cfg')]);
        break;
      }
    }
    await waitForPort(port, 15_000, proc);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    kind,
    port,
    rendered,
    output: () => proc.output() + (kind === 'nginx' ? readIfExists(path.join(dir, 'error.log')) : ''),
    async stop() {
      await proc.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Main context around the shipped http-level file: everything that makes NGINX run unprivileged
 * in a temp dir (pid, logs, temp paths). The tested Turnpike config is the included file.
 */
export function nginxMainConfig(dir: string): string {
  const asRoot = process.getuid?.() === 0;
  return [
    asRoot ? 'user root;' : '',
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${path.join(dir, 'client_body')};`,
    `  proxy_temp_path ${path.join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${path.join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${path.join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${path.join(dir, 'scgi')};`,
    '  include conf.d/turnpike.conf;',
    '}',
    '',
  ].join('\n');
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; fails early if the process exits. */
export async function waitForPort(port: number, timeoutMs: number, proc?: TrackedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc?.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`gateway exited before listening on ${port}:\n${proc?.output() ?? ''}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms\n${proc?.output() ?? ''}`);
}
