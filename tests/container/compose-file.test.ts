/**
 * The Compose reader the container suite runs deploy/docker/compose.yaml with: interpolation as
 * Compose does it, refusal of keys it does not translate, profiles and dependency order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interpolate, readComposeFile, startOrder } from './support/compose-file.js';
import { COMPOSE_FILE } from './support/turnpike-compose.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'turnpike-compose-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function composeFile(text: string): Promise<string> {
  const file = join(dir, `compose-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

describe('compose interpolation', () => {
  it.each([
    ['${A}', { A: 'x' }, 'x'],
    ['${A}', {}, ''],
    ['${A:-d}', {}, 'd'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['${A:-d}', { A: 'set' }, 'set'],
    ['$A and $$A', { A: 'x' }, 'x and $A'],
    ['127.0.0.1:${P:-5432}:5432', { P: '6000' }, '127.0.0.1:6000:5432'],
  ])('%s with %j is %s', (text, env, expected) => {
    expect(interpolate(text, env)).toBe(expected);
  });

  it('a required variable that is unset or empty is an error naming it', () => {
    expect(() => interpolate('${SECRET:?set SECRET}', {})).toThrow('SECRET: set SECRET');
    expect(() => interpolate('${SECRET:?set SECRET}', { SECRET: '' })).toThrow('SECRET');
    expect(interpolate('${SECRET?x}', { SECRET: '' })).toBe('');
  });
});

describe('readComposeFile', () => {
  it('refuses a service key the test would not translate', async () => {
    const file = await composeFile('services:\n  a:\n    image: x\n    cap_add: [NET_ADMIN]\n');
    await expect(readComposeFile(file, {})).rejects.toThrow('service a: not translated: cap_add');
  });

  it('keeps profiled services out unless their profile is active, and orders by depends_on', async () => {
    const file = await composeFile(
      [
        'x-base: &base',
        '  image: img',
        'services:',
        '  web:',
        '    <<: *base',
        '    depends_on: { db: { condition: service_healthy } }',
        '  db:',
        '    image: db',
        '  chain:',
        '    image: chain',
        '    profiles: [try-out]',
        '',
      ].join('\n'),
    );
    const plain = await readComposeFile(file, {});
    expect(plain.services.map((s) => s.name)).toEqual(['web', 'db']);
    expect(startOrder(plain.services).map((s) => s.name)).toEqual(['db', 'web']);
    expect(plain.services[0]!.image).toBe('img');
    const tryOut = await readComposeFile(file, {}, ['try-out']);
    expect(tryOut.services.map((s) => s.name)).toContain('chain');
  });

  it('reads deploy/docker/compose.yaml: the services issue 9 names, two portal replicas, anvil only under try-out', async () => {
    const env = {
      TURNPIKE_DB_PASSWORD: 'p',
      TURNPIKE_PORTAL_TOKEN_KEY: 'k',
      TURNPIKE_PORTAL_INTERNAL_TOKEN: 't',
      TURNPIKE_AUTHZ_ADMIN_TOKEN: 'a',
    };
    const plain = await readComposeFile(COMPOSE_FILE, env);
    expect(plain.services.map((s) => s.name).sort()).toEqual(
      ['authz-service', 'nginx', 'payment-portal', 'postgres', 'shop-backend'].sort(),
    );
    expect(plain.services.find((s) => s.name === 'payment-portal')?.deploy?.replicas).toBe(2);
    const tryOut = await readComposeFile(COMPOSE_FILE, env, ['try-out']);
    expect(tryOut.services.map((s) => s.name)).toContain('anvil');
    await expect(readComposeFile(COMPOSE_FILE, {})).rejects.toThrow('TURNPIKE_DB_PASSWORD');
  });
});
