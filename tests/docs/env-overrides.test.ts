/**
 * Every environment override the docs and the config examples show (`TURNPIKE_AUTHZ__a__b=value`
 * or `TURNPIKE_PORTAL__…`, in Markdown under docs/, README files and the examples' comments) is
 * applied alone over its service's shipped example, with the documented environment: the result
 * must load, and the value must land at the path it names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { durationMsSchema } from '@turnpike/protocol/service';
import { configExamples, documentedEnvFor, loadExample, REPO_ROOT } from './config-examples.js';

const OVERRIDE = /\b(TURNPIKE_(AUTHZ|PORTAL)__[A-Za-z0-9_]+)=('[^']*'|[^\s`'"<]+)/g;

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', 'fixtures'].includes(entry.name) && !entry.name.startsWith('.'))
        markdownFiles(path.join(dir, entry.name), out);
    } else if (entry.name.endsWith('.md')) out.push(path.join(dir, entry.name));
  }
  return out;
}

interface ShownOverride {
  where: string;
  name: string;
  service: 'authz' | 'portal';
  raw: string;
}

function shownOverrides(): ShownOverride[] {
  const files = [...markdownFiles(REPO_ROOT), ...configExamples().map((e) => e.file)];
  const out: ShownOverride[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(OVERRIDE)) {
          const raw = m[3]!.startsWith("'") ? m[3]!.slice(1, -1) : m[3]!.replace(/[;,.)]+$/, '');
          out.push({
            where: `${path.relative(REPO_ROOT, file)}:${i + 1}`,
            name: m[1]!,
            service: m[2] === 'AUTHZ' ? 'authz' : 'portal',
            raw,
          });
        }
      });
  }
  return out;
}

const SHIPPED = {
  authz: path.join(REPO_ROOT, 'authz-service/config.example.yaml'),
  portal: path.join(REPO_ROOT, 'payment-portal/config.example.yaml'),
};

/** The value at a case-insensitive path (as the loader matches segments). */
function valueAt(root: unknown, segments: string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = Object.keys(node).find((k) => k.toLowerCase() === segment.toLowerCase());
    node = key === undefined ? undefined : (node as Record<string, unknown>)[key];
  }
  return node;
}

function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const overrides = shownOverrides();

describe('environment overrides shown in the docs and examples', () => {
  it('finds the examples of docs/configuration.md', () => {
    expect(
      overrides.filter((o) => o.where.startsWith('docs/configuration.md')).length,
    ).toBeGreaterThanOrEqual(4);
  });

  it.each(overrides.map((o) => [`${o.where} ${o.name}`, o] as const))('%s loads', async (_label, o) => {
    const example = SHIPPED[o.service];
    const env = { ...documentedEnvFor(example), [o.name]: o.raw };
    const loaded = await loadExample(o.service, example, env);
    const config = loaded.service === 'authz' ? loaded.loaded.config : loaded.config;
    const segments = o.name.split('__').slice(1);
    const actual = valueAt(config, segments);
    const expected = parsed(o.raw);
    if (typeof actual === 'number' && typeof expected === 'string') {
      // A duration written with a unit ("3s"): the loaded value is in milliseconds.
      expect(actual).toBe(durationMsSchema.parse(expected));
    } else if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
      expect(actual).toMatchObject(expected);
    } else {
      expect(actual).toEqual(expected);
    }
  });
});
