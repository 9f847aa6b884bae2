// The gateway decision table through real haproxy running integrations/haproxy/ (see run-table.ts),
// then what the shipped config itself promises: `haproxy -c` without a warning, and a JSON 503
// with its reason (not HAProxy's own HTML page) when the portal behind /_402/ is down.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gatewayBinary, renderIntegration, startGateway, type RunningGateway } from '../support/gateways.js';
import { send } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { describeGatewayTable } from './run-table.js';

describeGatewayTable('haproxy');

const run = promisify(execFile);

describe('haproxy: the shipped config', () => {
  it('passes `haproxy -c` with no warning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-haproxy-check-'));
    try {
      await writeFile(path.join(dir, 'turnpike.lua'), renderIntegration('haproxy/turnpike.lua', {}));
      const config = renderIntegration('haproxy/haproxy.cfg', {
        LUA_PATH: path.join(dir, 'turnpike.lua'),
        BIND: `127.0.0.1:${await freePort()}`,
        AUTHZ_ADDR: '127.0.0.1:8081',
        PORTAL_ADDR: '127.0.0.1:8402',
        UPSTREAM_ADDR: '127.0.0.1:3000',
      });
      await writeFile(path.join(dir, 'haproxy.cfg'), config);
      const { stdout, stderr } = await run(gatewayBinary('haproxy'), [
        '-c',
        '-f',
        path.join(dir, 'haproxy.cfg'),
      ]);
      expect(stdout + stderr).toMatch(/Configuration file is valid/);
      expect((stdout + stderr).split('\n').filter((line) => /WARNING|ALERT/.test(line))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('with the portal down', () => {
    let gateway: RunningGateway;
    beforeAll(async () => {
      // Nothing listens on any of these: the portal, the authorizer and the app are all down.
      gateway = await startGateway('haproxy', {
        authz: `127.0.0.1:${await freePort()}`,
        portal: `127.0.0.1:${await freePort()}`,
        upstream: `127.0.0.1:${await freePort()}`,
      });
    });
    afterAll(() => gateway?.stop());

    it('/_402/ answers 503 portal_unavailable as JSON with Retry-After', async () => {
      const answer = await send(gateway.port, { path: '/_402/pay?ref=x', headers: { host: 'shop.test' } });
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['x-402-reason']).toBe('portal_unavailable');
      expect(answer.headers['retry-after']).toBe('5');
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'unavailable', reason: 'portal_unavailable' });
    });
  });
});
