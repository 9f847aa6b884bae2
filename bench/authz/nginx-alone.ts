/**
 * Row e-alone's baseline: NGINX with no auth_request at all, proxying to the app as the shipped
 * config's `location /` does (HTTP/1.1, upstream keep-alive 32), in the same temp-dir setup
 * tests/support/gateways.ts uses for the shipped config.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gatewayBinary, nginxMainConfig, waitForPort } from '../../tests/support/gateways.js';
import { freePort } from '../../tests/support/ports.js';
import { spawnTracked } from '../../tests/support/processes.js';

export interface PlainNginx {
  port: number;
  stop(): Promise<void>;
}

export async function startNginxAlone(upstream: string): Promise<PlainNginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-nginx-alone-'));
  const port = await freePort();
  mkdirSync(path.join(dir, 'conf.d'));
  writeFileSync(
    path.join(dir, 'conf.d', 'turnpike.conf'),
    [
      `upstream protected_app { server ${upstream}; keepalive 32; }`,
      'server {',
      `  listen 127.0.0.1:${port};`,
      '  location / {',
      '    proxy_pass http://protected_app;',
      '    proxy_http_version 1.1;',
      '    proxy_set_header Connection "";',
      '    proxy_set_header Host $host;',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'nginx.conf'), nginxMainConfig(dir));
  const proc = spawnTracked(gatewayBinary('nginx'), [
    '-p',
    dir,
    '-c',
    path.join(dir, 'nginx.conf'),
    '-e',
    path.join(dir, 'error.log'),
  ]);
  try {
    await waitForPort(port, 15_000, proc);
  } catch (err) {
    await proc.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    async stop() {
      await proc.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
