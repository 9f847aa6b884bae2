/**
 * No import cycles inside a workspace's sources (the style guide's rule: the decision core apart
 * from its transports, dialects apart from the ledger). Reads every relative import and
 * re-export of every `src/**\/*.ts` file and fails with the first cycle found in each workspace.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKSPACES = ['protocol', 'authz-service', 'payment-portal', 'cli', 'integrations/express'];
// `import … from './x.js'`, `export … from './x.js'`, `import './x.js'`, `import('./x.js')`. Type-only
// imports and re-exports (`import type`, `export type`) are erased by the compiler and left out:
// they order nothing at run time.
const IMPORT =
  /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]/gms;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => {
    const target = resolve(dirname(file), (m[1] ?? m[2])!);
    return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
  });
}

/** The first cycle in the graph, as a list of files, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.get(node) !== undefined) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

describe.each(WORKSPACES)('%s/src', (workspace) => {
  it('has no import cycle', () => {
    const files = sources(join(ROOT, workspace, 'src'));
    expect(files.length).toBeGreaterThan(0);
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycle = findCycle(graph);
    expect(cycle?.map((f) => relative(ROOT, f)).join(' → ')).toBeUndefined();
  });
});

describe('the import reader', () => {
  it('reads value imports and re-exports, and leaves type-only ones out', () => {
    const at = (p: string) => join(ROOT, p);
    expect(importsOf(at('authz-service/src/proofs/extract.ts'))).toContain(
      at('authz-service/src/dialects/index.ts'),
    );
    const dialects = importsOf(at('authz-service/src/dialects/index.ts'));
    expect(dialects).toContain(at('authz-service/src/dialects/mpp/mpp-dialect.ts'));
    expect(dialects).not.toContain(at('authz-service/src/dialects/dialect.ts'));
  });
});

describe('the cycle finder', () => {
  it('finds a cycle it is given, and none in a tree', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toBeUndefined();
  });
});
