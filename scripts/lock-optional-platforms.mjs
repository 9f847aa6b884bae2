#!/usr/bin/env node
// Records the other platforms' optional native packages in package-lock.json.
//
// Why: packages such as @swc/core, litesvm, anvil and unrs-resolver ship one optional package per
// OS/CPU. The npm registry this project installs from only serves the linux builds, so `npm
// install` leaves the others out of the lockfile, and `npm ci` then refuses the lockfile as out of
// sync ("Missing: @swc/core-darwin-arm64@ from lock file"). An entry with the package's os/cpu
// makes `npm ci` accept the lockfile and skip the package on this platform, exactly as it does
// for a lockfile written where every platform's build is published. Run after `npm install`
// whenever dependencies change: `node scripts/lock-optional-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'sunos', 'aix'];
const CPU = {
  amd64: 'x64',
  x64: 'x64',
  arm64: 'arm64',
  ia32: 'ia32',
  arm: 'arm',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  wasm32: 'wasm32',
};

/** os, cpu and libc read off a platform package's name (e.g. core-linux-arm64-musl). */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpuPart = parts.find((p) => p in CPU || p.startsWith('arm'));
  const cpu = cpuPart === undefined ? undefined : (CPU[cpuPart] ?? 'arm');
  const libc = parts.includes('musl')
    ? 'musl'
    : parts.includes('gnu') || parts.includes('gnueabihf')
      ? 'glibc'
      : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (os === undefined) continue; // not a platform build: leave it to npm
    packages[hoisted] = {
      version: spec.replace(/^[\^~=]/, ''),
      cpu: cpu === undefined ? undefined : [cpu],
      libc: libc === undefined ? undefined : [libc],
      optional: true,
      os: [os],
    };
    added += 1;
  }
}
// Keep npm's key order (sorted paths) so later `npm install` runs leave the file alone.
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-optional-platforms: ${added} platform entries added`);
