import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import {
  ConfigError,
  Secret,
  createLogger,
  durationMsSchema,
  loadConfig,
  secretSourceSchema,
  z,
} from '@turnpike/protocol/service';

const schema = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(1).max(65535),
    host: z.string().default('127.0.0.1'),
  }),
  networks: z
    .record(
      z.string(),
      z.strictObject({
        rpcUrls: z.array(z.url()).min(1),
        confirmations: z.number().int().min(0).optional(),
      }),
    )
    .default({}),
  probeTimeoutMs: durationMsSchema.default(2_000),
  internalToken: secretSourceSchema.optional(),
  signingKey: secretSourceSchema.optional(),
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'turnpike-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadConfig', () => {
  it('reports three mistakes in one file at once, each with its dotted path', async () => {
    const path = await file(
      'three.yaml',
      [
        'server:',
        '  port: "eighty"',
        'networks:',
        '  polygon:',
        '    rpcUrls: []',
        'probeTimeoutMs: 5s',
        'colour: blue',
        '',
      ].join('\n'),
    );
    const err = await configError(loadConfig({ schema, file: path, env: {}, envPrefix: 'TP' }));
    expect(err.code).toBe('config_invalid');
    expect(err.problems).toHaveLength(3);
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'colour',
      'networks.polygon.rpcUrls',
      'server.port',
    ]);
    expect(err.message).toBe(`invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
    expect(err.message).toContain('  colour: unknown key');
  });

  it('reads JSON and YAML and applies defaults and schema defaults', async () => {
    const json = await file('ok.json', JSON.stringify({ server: { port: 8080 } }));
    const yaml = await file('ok.yml', 'server:\n  port: 8080\n');
    for (const path of [json, yaml]) {
      const config = await loadConfig({
        schema,
        file: path,
        env: {},
        envPrefix: 'TP',
        defaults: { probeTimeoutMs: '3s' },
      });
      expect(config).toEqual({
        server: { port: 8080, host: '127.0.0.1' },
        networks: {},
        probeTimeoutMs: 3_000,
      });
    }
  });

  it('lets environment variables override any path, parsing JSON values', async () => {
    const path = await file('env.yaml', 'server:\n  port: 8080\n  host: 0.0.0.0\n');
    const config = await loadConfig({
      schema,
      file: path,
      envPrefix: 'TP',
      env: {
        TP__server__port: '9090',
        TP__SERVER__HOST: 'localhost',
        TP__networks__polygon__rpcUrls: '["https://polygon.example/rpc"]',
        TP__networks__polygon__confirmations: '12',
        TP__probeTimeoutMs: '250ms',
        OTHER__server__port: '1',
      },
    });
    expect(config.server).toEqual({ port: 9090, host: 'localhost' });
    expect(config.networks).toEqual({
      polygon: { rpcUrls: ['https://polygon.example/rpc'], confirmations: 12 },
    });
    expect(config.probeTimeoutMs).toBe(250);
  });

  it('spells upper-case override segments the way the schema does, through records too', async () => {
    const config = await loadConfig({
      schema,
      envPrefix: 'TP',
      env: { TP__SERVER__PORT: '1', TP__NETWORKS__base__RPCURLS: '["https://base.example"]' },
    });
    expect(config.server.port).toBe(1);
    expect(config.networks).toEqual({ base: { rpcUrls: ['https://base.example'] } });
  });

  it('names the environment variable behind a bad override', async () => {
    const err = await configError(
      loadConfig({ schema, env: { TP__server__port: 'not-a-port' }, envPrefix: 'TP' }),
    );
    expect(err.problems).toEqual([expect.stringMatching(/^server\.port: .*\(from TP__server__port\)$/)]);
  });

  it('refuses an unknown extension, a missing file and broken YAML', async () => {
    const txt = await file('c.txt', 'server: {}');
    expect(
      (await configError(loadConfig({ schema, file: txt, env: {}, envPrefix: 'TP' }))).message,
    ).toContain('unsupported extension');
    expect(
      (await configError(loadConfig({ schema, file: join(dir, 'nope.yaml'), env: {}, envPrefix: 'TP' })))
        .message,
    ).toContain('ENOENT');
    const bad = await file('bad.yaml', 'server: [port: 1\n');
    expect(
      (await configError(loadConfig({ schema, file: bad, env: {}, envPrefix: 'TP' }))).message,
    ).toContain('not valid YAML');
  });
});

describe('secrets', () => {
  it('resolves a secret from the environment and from a file (relative to the config file)', async () => {
    await file('key.txt', 'file-secret-value\n');
    const path = await file(
      'secrets.yaml',
      'server: {port: 1}\ninternalToken: {fromEnv: PORTAL_TOKEN}\nsigningKey: {fromFile: key.txt}\n',
    );
    const config = await loadConfig({
      schema,
      file: path,
      env: { PORTAL_TOKEN: 'env-secret-value' },
      envPrefix: 'TP',
    });
    expect(config.internalToken).toBeInstanceOf(Secret);
    expect(config.internalToken?.reveal()).toBe('env-secret-value');
    expect(config.signingKey?.reveal()).toBe('file-secret-value');
  });

  it('refuses a literal secret and reports missing sources together with other problems', async () => {
    const path = await file(
      'literal.yaml',
      'server: {port: 0}\ninternalToken: hunter2\nsigningKey: {fromFile: /nonexistent/key}\n',
    );
    const err = await configError(loadConfig({ schema, file: path, env: {}, envPrefix: 'TP' }));
    expect(err.problems).toHaveLength(3);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port: /),
        expect.stringMatching(/^internalToken: a literal secret is not allowed/),
        expect.stringMatching(/^signingKey: cannot read secret file \/nonexistent\/key: ENOENT/),
      ]),
    );
    expect(err.message).not.toContain('hunter2');
  });

  it('reports an unset variable and a source with two keys', async () => {
    const path = await file(
      'two.yaml',
      'server: {port: 1}\ninternalToken: {fromEnv: MISSING_VAR}\nsigningKey: {fromEnv: A, fromFile: b}\n',
    );
    const err = await configError(loadConfig({ schema, file: path, env: {}, envPrefix: 'TP' }));
    expect(err.problems).toEqual([
      'internalToken: environment variable MISSING_VAR is not set',
      'signingKey: expected exactly one of {fromEnv: NAME} or {fromFile: PATH}',
    ]);
  });

  it('never shows the value through JSON, util.inspect, String or pino', async () => {
    const config = await loadConfig({
      schema,
      env: { TP__server__port: '1', TP__internalToken: '{"fromEnv":"T"}', T: 's3cr3t-value' },
      envPrefix: 'TP',
    });
    const secret = config.internalToken as Secret;
    expect(secret.reveal()).toBe('s3cr3t-value');
    expect(JSON.stringify(config)).not.toContain('s3cr3t');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(config, { depth: 10 })).not.toContain('s3cr3t');
    expect(`${secret}`).toBe('[redacted]');
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    });
    const log = createLogger({ name: 'test', destination: sink });
    log.info({ config, secret, nested: { key: secret } }, 'loaded');
    log.flush();
    expect(out).toContain('loaded');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('s3cr3t');
  });
});
