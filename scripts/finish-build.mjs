// Second half of `npm run build`, after tsc: makes each service's dist/ runnable on its own.
// tsc emits only JavaScript, so the files the portal reads at run time (the pay page's assets,
// the SQL migrations) are copied into dist/, and the bins' entry files are made executable
// (`authz-service`, `payment-portal` and `turnpike` in the workspaces' package.json "bin"). npm links a bin
// only when its file exists, and `npm ci` runs before the first build: `npm rebuild` (scripts off)
// links them now, so `npx payment-portal` works from the repo root after `npm run build`.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** [from, to] relative to the repo root: copied whole, replacing what a previous build left. */
const COPIES = [
  ['payment-portal/src/pay-page/assets', 'payment-portal/dist/pay-page/assets'],
  ['payment-portal/migrations', 'payment-portal/dist/migrations'],
];

const BINS = [
  ['@turnpike/authz-service', 'authz-service/dist/main.js'],
  ['@turnpike/payment-portal', 'payment-portal/dist/main.js'],
  ['@turnpike/cli', 'cli/dist/main.js'],
];

// A workspace built alone (`npm run build -w …`) finishes only its own dist/.
const built = (relative) => existsSync(path.join(root, relative.split('/')[0], 'dist'));

for (const [from, to] of COPIES) {
  if (!built(to)) continue;
  const target = path.join(root, to);
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(root, from), target, { recursive: true });
}
const linked = [];
for (const [workspace, bin] of BINS) {
  if (!built(bin)) continue;
  const file = path.join(root, bin);
  if (!existsSync(file)) throw new Error(`${bin} is missing: run tsc -b first`);
  chmodSync(file, 0o755);
  linked.push('-w', workspace);
}
if (linked.length > 0) {
  execFileSync('npm', ['rebuild', '--ignore-scripts', '--no-audit', '--no-fund', ...linked], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
