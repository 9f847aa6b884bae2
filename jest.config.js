import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One Jest run for the whole repo. TypeScript is compiled on the fly by SWC (no build step) and
// kept as ESM, so Node runs it with --experimental-vm-modules (see the root "test" script).
// Workspace packages resolve to their TypeScript sources through the "source" export condition.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // eventsource-parser (an mppx dependency) exports its TypeScript source under the "source"
    // condition the workspaces use; node_modules is not transformed, so take its built ESM.
    '^eventsource-parser$': '<rootDir>/node_modules/eventsource-parser/dist/index.js',
  },
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['source', 'node', 'node-addons'] },
  transform,
};
// Every in-memory PGlite of the run (and of the processes tests start) loads one empty cluster
// from this file instead of running initdb in WebAssembly each time (payment-portal
// storage/pglite-driver.ts): seconds of CPU per portal, hundreds of portals per run. Named by
// PGlite's version, so an upgrade never loads another version's cluster.
const pgliteVersion = JSON.parse(
  readFileSync(new URL('./node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
).version;
process.env.TURNPIKE_PGLITE_TEMPLATE ??= join(tmpdir(), `turnpike-pglite-template-${pgliteVersion}.tar`);

/** @type {import('jest').Config} */
export default {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{protocol,authz-service,payment-portal,integrations,cli}/**/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/{protocol,authz-service,payment-portal,integrations,cli}/**/test/**/*.int.test.ts',
      ],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
    },
  ],
};
