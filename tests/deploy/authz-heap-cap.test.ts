/**
 * The authorizer's V8 heap cap (docs/deploy.md, "Memory"): the systemd unit, every rendered
 * Kubernetes layout and the Compose file start authz-service with the same NODE_OPTIONS, real
 * Node accepts them and caps the heap by them, and the portal (which shares the image) gets none.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_DIR, render } from './kustomize.js';
import { deploymentSpec, podEnv } from './workloads.js';

const read = (p: string): string => readFileSync(path.join(REPO_DIR, p), 'utf8');

function systemdNodeOptions(unit: string): string | undefined {
  for (const line of read(`deploy/systemd/${unit}`).split('\n')) {
    const m = /^Environment="?NODE_OPTIONS=(.*?)"?$/.exec(line.trim());
    if (m !== null) return m[1];
  }
  return undefined;
}

function k8sNodeOptions(layout: string, deployment: string): string | undefined {
  const objects = render(layout);
  const container = deploymentSpec(objects, deployment).template.spec.containers[0]!;
  return podEnv(objects, container)['NODE_OPTIONS'];
}

type Compose = { services: Record<string, { environment?: Record<string, string> }> };

describe('the authorizer heap cap', () => {
  const shipped = systemdNodeOptions('turnpike-authz.service');

  it('is set in the systemd unit, with an old-space cap', () => {
    expect(shipped).toMatch(/--max-old-space-size=\d+/);
  });

  it.each(['base', 'overlays/nginx-ingress', 'overlays/traefik', 'overlays/istio'])(
    'the same in the Kubernetes layout %s, and not for the portal',
    (layout) => {
      expect(k8sNodeOptions(layout, 'turnpike-authz')).toBe(shipped);
      expect(k8sNodeOptions(layout, 'turnpike-portal')).toBeUndefined();
    },
  );

  it('the same in the Compose file, and not for the portal', () => {
    const compose = parse(read('deploy/docker/compose.yaml')) as Compose;
    expect(compose.services['authz-service']?.environment?.['NODE_OPTIONS']).toBe(shipped);
    expect(compose.services['payment-portal']?.environment?.['NODE_OPTIONS']).toBeUndefined();
    expect(systemdNodeOptions('turnpike-portal.service')).toBeUndefined();
  });

  it('real Node accepts the flags and caps the heap by them', () => {
    const run = spawnSync(
      process.execPath,
      ['-e', 'console.log(require("node:v8").getHeapStatistics().heap_size_limit)'],
      { env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: shipped! }, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    const limitMiB = Number(run.stdout.trim()) / 1024 / 1024;
    const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(shipped!)![1]);
    // The limit is the old space plus the young generation (3 × the semi-space).
    expect(limitMiB).toBeGreaterThanOrEqual(oldSpaceMiB);
    expect(limitMiB).toBeLessThan(oldSpaceMiB + 64);
  });
});
