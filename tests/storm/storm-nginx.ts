/**
 * Real NGINX for the replica storm, in two parts that are kept apart on purpose:
 *
 * - SHIPPED: integrations/nginx/turnpike.conf + snippets/turnpike-auth.conf +
 *   snippets/turnpike-internal.conf, rendered by tests/support/gateways.ts `renderIntegration`
 *   (placeholders replaced, nothing else touched). Several replicas go where the placeholder is:
 *   `__AUTHZ_ADDR__` becomes `a1; server a2` so the shipped line `server __AUTHZ_ADDR__;` reads
 *   `server a1; server a2;` — the same upstream block, its `keepalive` and all, with two servers.
 * - THE TEST'S OWN: the main `nginx.conf` (pid, temp paths, one worker, as gateways.ts does) and
 *   `conf.d/storm-portal-internal.conf`, a small internal load balancer that round-robins the
 *   portals' internal API for the authorizers (`portal.internalUrl`). It is written the way the
 *   shipped `turnpike_portal` upstream is (HTTP/1.1, `keepalive`, `Connection ""`), as an
 *   operator would put one in front of portal replicas; no Turnpike file ships it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gatewayBinary, renderIntegration, waitForPort } from '../support/gateways.js';
import { freePort } from '../support/ports.js';
import { spawnTracked } from '../support/processes.js';

export interface StormNginxTargets {
  /** authz-service HTTP listeners, host:port each. */
  authz: readonly string[];
  /** payment-portal public listeners, host:port each. */
  portalPublic: readonly string[];
  /** payment-portal internal API listeners, host:port each (behind the test's load balancer). */
  portalInternal: readonly string[];
  /** The protected app, host:port. */
  upstream: string;
}

export interface StormNginx {
  /** The protected server (shipped config). */
  port: number;
  /** The test's internal load balancer in front of the portals' internal API. */
  internalLbPort: number;
  /** Rendered files by their path under the NGINX prefix, shipped and own, for the report. */
  files: Record<string, string>;
  /** Which of `files` come from integrations/ as shipped (rendered), and which are the test's. */
  shipped: readonly string[];
  own: readonly string[];
  errorLog(): string;
  /** Rewrites the config for other replica addresses (same ports) and reloads NGINX (SIGHUP). */
  reconfigure(targets: StormNginxTargets): Promise<void>;
  stop(): Promise<void>;
}

/** `a1; server a2; …` — fills `server __X__;` with one `server` line per replica. */
function serverList(addresses: readonly string[]): string {
  if (addresses.length === 0) throw new Error('storm nginx: no servers');
  return addresses.join('; server ');
}

function internalLbConfig(port: number, portals: readonly string[]): string {
  return [
    "# The replica storm test's own file (not shipped): the authorizers reach the portals'",
    '# internal API through this round-robin load balancer.',
    'upstream storm_portal_internal {',
    ...portals.map((p) => `    server ${p};`),
    '    keepalive 8;',
    '}',
    '',
    'server {',
    `    listen 127.0.0.1:${port};`,
    '    location / {',
    '        proxy_pass http://storm_portal_internal;',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_connect_timeout 1s;',
    // Longer than the authorizer's settle timeout (15 s): the authorizer gives up first.
    '        proxy_read_timeout 20s;',
    '    }',
    '}',
    '',
  ].join('\n');
}

function mainConfig(dir: string): string {
  const asRoot = process.getuid?.() === 0;
  return [
    asRoot ? 'user root;' : '',
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} warn;`,
    'events { worker_connections 2048; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${path.join(dir, 'client_body')};`,
    `  proxy_temp_path ${path.join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${path.join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${path.join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${path.join(dir, 'scgi')};`,
    '  include conf.d/turnpike.conf;',
    '  include conf.d/storm-portal-internal.conf;',
    '}',
    '',
  ].join('\n');
}

const SHIPPED = {
  'conf.d/turnpike.conf': 'nginx/turnpike.conf',
  'snippets/turnpike-auth.conf': 'nginx/snippets/turnpike-auth.conf',
  'snippets/turnpike-internal.conf': 'nginx/snippets/turnpike-internal.conf',
  'snippets/turnpike-decision-cache.conf': 'nginx/snippets/turnpike-decision-cache.conf',
} as const;
const START_ATTEMPTS = 3;
/** NGINX reloads asynchronously after SIGHUP and says nothing at our log level: give it this long. */
const RELOAD_SETTLE_MS = 1_000;

/** Writes every config file for `targets` into `dir`; returns them by path. */
function writeConfig(
  dir: string,
  targets: StormNginxTargets,
  port: number,
  internalLbPort: number,
): Record<string, string> {
  const values = {
    AUTHZ_ADDR: serverList(targets.authz),
    PORTAL_ADDR: serverList(targets.portalPublic),
    UPSTREAM_ADDR: targets.upstream,
    LISTEN: `127.0.0.1:${port}`,
    SERVER_NAME: '_',
    DECISION_CACHE_DIR: path.join(dir, 'decisions'),
  };
  const files: Record<string, string> = {};
  const put = (target: string, text: string): void => {
    files[target] = text;
    mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
    writeFileSync(path.join(dir, target), text);
  };
  for (const [target, source] of Object.entries(SHIPPED)) put(target, renderIntegration(source, values));
  put('conf.d/storm-portal-internal.conf', internalLbConfig(internalLbPort, targets.portalInternal));
  put('nginx.conf', mainConfig(dir));
  return files;
}

/**
 * Starts NGINX with the shipped config in front of every replica; resolves once both servers
 * listen. Its two ports are picked just before; if another process took one meanwhile, it tries
 * again on new ones.
 */
export async function startStormNginx(targets: StormNginxTargets): Promise<StormNginx> {
  const binary = gatewayBinary('nginx');
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-storm-nginx-'));
    const port = await freePort();
    const internalLbPort = await freePort();
    const files = writeConfig(dir, targets, port, internalLbPort);
    const proc = spawnTracked(binary, [
      '-p',
      dir,
      '-c',
      path.join(dir, 'nginx.conf'),
      '-e',
      path.join(dir, 'error.log'),
    ]);
    const errorLog = (): string => {
      try {
        return readFileSync(path.join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    };
    try {
      await waitForPort(port, 15_000, proc);
      await waitForPort(internalLbPort, 15_000, proc);
    } catch (err) {
      await proc.stop(1_000);
      const lostRace = /Address already in use/.test(proc.output() + errorLog());
      rmSync(dir, { recursive: true, force: true });
      if (attempt < START_ATTEMPTS && lostRace) continue;
      throw err;
    }
    return {
      port,
      internalLbPort,
      files,
      shipped: Object.keys(SHIPPED),
      own: ['nginx.conf', 'conf.d/storm-portal-internal.conf'],
      errorLog,
      async reconfigure(next) {
        Object.assign(files, writeConfig(dir, next, port, internalLbPort));
        proc.child.kill('SIGHUP');
        await new Promise((r) => setTimeout(r, RELOAD_SETTLE_MS));
      },
      async stop() {
        await proc.stop(5_000);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
