// `npm run bench`: runs every benchmark in turn (each writes bench/results/<name>.json and .md,
// every figure beside a baseline measured in the same run). One at a time, because the machine
// has two cores and a benchmark that shares them with another measures nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
// `soak` (30 minutes by default) runs only when named: `npm run bench -- soak`.
const suites = ['authz', 'watcher', 'settle', '402', 'soak'].filter((name) =>
  only.length === 0 ? name !== 'soak' : only.includes(name),
);

let failed = 0;
for (const name of suites) {
  const entry = join(here, name, 'run.ts');
  if (!existsSync(entry)) {
    console.error(`bench: ${name}: ${entry} is missing`);
    failed += 1;
    continue;
  }
  console.log(`\n== bench ${name} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    stdio: 'inherit',
    cwd: join(here, '..'),
  });
  if (run.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
