/**
 * deploy/systemd: the real `systemd-analyze verify` and `systemd-analyze security --offline` on the
 * shipped units. Both read the units inside a temporary root (`--root`): a copy of this machine's
 * own systemd units (the targets the units order themselves against) plus the units under test,
 * and — because verify refuses an ExecStart that is not an executable file — stand-in scripts at
 * the units' install paths (/opt/turnpike/node_modules/.bin/…). The stand-ins are never run; what
 * the real bins do is tested elsewhere.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_DIR } from './kustomize.js';

const UNITS_DIR = path.join(REPO_DIR, 'deploy/systemd');
const UNITS = ['turnpike-authz.service', 'turnpike-portal.service', 'turnpike-portal-migrate.service'];
const HOST_UNITS_DIR = '/usr/lib/systemd/system';
const SYSTEMD_ANALYZE = 'systemd-analyze';
const RUN_TIMEOUT_MS = 60_000;
/** `systemd-analyze security` exposure, in tenths (0 = locked down, 100 = fully exposed). */
const MAX_EXPOSURE_TENTHS = 20;

type Unit = Map<string, string[]>;

/** `Key=value` lines of a unit file (all sections), each key with every value it is given. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    unit.set(key, [...(unit.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}
const unitOf = (name: string): Unit => parseUnit(readFileSync(path.join(UNITS_DIR, name), 'utf8'));
const value = (unit: Unit, key: string): string | undefined => unit.get(key)?.at(-1);

function analyze(args: string[]): { status: number | null; output: string } {
  const run = spawnSync(SYSTEMD_ANALYZE, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  if (run.error !== undefined)
    throw new Error(`${SYSTEMD_ANALYZE}: ${run.error.message} (Debian's systemd package provides it)`);
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

let root = '';

/** A root with this machine's units, the units under test (optionally edited) and stand-in bins. */
function makeRoot(edit: (name: string, text: string) => string = (_n, t) => t): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-systemd-'));
  cpSync(HOST_UNITS_DIR, path.join(dir, HOST_UNITS_DIR), { recursive: true });
  const unitDir = path.join(dir, 'etc/systemd/system');
  mkdirSync(unitDir, { recursive: true });
  for (const name of readdirSync(UNITS_DIR).filter((f) => f.endsWith('.service'))) {
    const text = edit(name, readFileSync(path.join(UNITS_DIR, name), 'utf8'));
    writeFileSync(path.join(unitDir, name), text);
    const unit = parseUnit(text);
    const bin = value(unit, 'ExecStart')?.split(' ')[0];
    if (bin === undefined || !path.isAbsolute(bin))
      throw new Error(`${name}: ExecStart is not an absolute path`);
    mkdirSync(path.join(dir, path.dirname(bin)), { recursive: true });
    writeFileSync(
      path.join(dir, bin),
      '#!/bin/sh\n# stand-in for systemd-analyze verify; never run\nexit 1\n',
    );
    chmodSync(path.join(dir, bin), 0o755);
  }
  return dir;
}

beforeAll(() => {
  root = makeRoot();
});
afterAll(() => {
  if (root !== '') rmSync(root, { recursive: true, force: true });
});

test('systemd-analyze is installed', () => {
  const { status, output } = analyze(['--version']);
  expect(status).toBe(0);
  expect(output).toMatch(/^systemd \d+/);
});

test('the shipped units are the three expected', () => {
  expect(
    readdirSync(UNITS_DIR)
      .filter((f) => f.endsWith('.service'))
      .sort(),
  ).toEqual([...UNITS].sort());
});

test.each(UNITS)('systemd-analyze verify %s: no error, no warning', (name) => {
  // verify exits 0 on an unknown key or syscall group (it only warns): any output fails too.
  expect(analyze(['verify', `--root=${root}`, name])).toEqual({ status: 0, output: '' });
});

test('verify as run here does catch a misspelt option and a missing executable', () => {
  const broken = makeRoot((name, text) =>
    name === 'turnpike-authz.service' ? text.replace('ProtectSystem=strict', 'ProtectSystm=strict') : text,
  );
  try {
    const typo = analyze(['verify', `--root=${broken}`, 'turnpike-authz.service']);
    expect(typo.output).toMatch(/Unknown key 'ProtectSystm'/);
    rmSync(path.join(broken, 'opt/turnpike/node_modules/.bin/payment-portal'));
    const missing = analyze(['verify', `--root=${broken}`, 'turnpike-portal.service']);
    expect(missing.status).not.toBe(0);
    expect(missing.output).toMatch(/is not executable/);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});

test.each(UNITS)('systemd-analyze security %s: exposure at most 2.0', (name) => {
  const { status, output } = analyze([
    'security',
    '--offline=yes',
    `--root=${root}`,
    `--threshold=${MAX_EXPOSURE_TENTHS}`,
    name,
  ]);
  expect(output).toMatch(/Overall exposure level/);
  expect(status).toBe(0);
});

test.each(UNITS)('%s: the hardening options are set, MemoryDenyWriteExecute is not (V8’s JIT)', (name) => {
  const unit = unitOf(name);
  const expected: Record<string, string> = {
    DynamicUser: 'yes',
    NoNewPrivileges: 'yes',
    CapabilityBoundingSet: '',
    AmbientCapabilities: '',
    ProtectSystem: 'strict',
    ProtectHome: 'yes',
    PrivateTmp: 'yes',
    PrivateDevices: 'yes',
    RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
    SystemCallFilter: '@system-service',
    SystemCallArchitectures: 'native',
    SystemCallErrorNumber: 'EPERM',
  };
  for (const [key, want] of Object.entries(expected)) expect([key, value(unit, key)]).toEqual([key, want]);
  expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  // Secrets come from a root-only environment file, never from the unit itself.
  expect(value(unit, 'EnvironmentFile')).toMatch(/^\/etc\/turnpike\/(authz|portal)\.env$/);
  for (const env of unit.get('Environment') ?? []) expect(env).not.toMatch(/TOKEN|KEY|DATABASE_URL|SECRET/);
});

test('each unit runs the agreed command; the portal starts only after its migrations', () => {
  expect(value(unitOf('turnpike-authz.service'), 'ExecStart')).toMatch(
    /\/authz-service --config \/etc\/turnpike\/authz\.yaml$/,
  );
  const portal = unitOf('turnpike-portal.service');
  const migrate = unitOf('turnpike-portal-migrate.service');
  expect(value(portal, 'ExecStart')).toMatch(/\/payment-portal --config \/etc\/turnpike\/portal\.yaml$/);
  expect(value(migrate, 'ExecStart')).toMatch(
    /\/payment-portal migrate --config \/etc\/turnpike\/portal\.yaml$/,
  );
  expect(value(migrate, 'Type')).toBe('oneshot');
  expect(value(portal, 'Requires')).toBe('turnpike-portal-migrate.service');
  expect(value(portal, 'After')?.split(' ')).toContain('turnpike-portal-migrate.service');
  expect(value(migrate, 'EnvironmentFile')).toBe(value(portal, 'EnvironmentFile'));
});
