import { Writable } from 'node:stream';
import { createLogger, requestContext, requestIdFrom } from '@turnpike/protocol/service';
import { duplicateKeys, linesWithDuplicateKeys } from '../../../tests/support/json-keys.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  return {
    stream,
    text: () => out,
    lines: () =>
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger redaction', () => {
  it('redacts credential headers on req/res and token/secret fields', () => {
    const out = capture();
    const log = createLogger({ name: 'authz', destination: out.stream });
    log.info(
      {
        req: {
          method: 'GET',
          url: '/x',
          headers: {
            cookie: '402_token=eyJcookie',
            authorization: 'Bearer eyJauth',
            'x-402-token': 'eyJheader',
            'payment-signature': 'sig-v2',
            'x-payment': 'sig-v1',
            host: 'shop.example',
          },
        },
        res: { headers: { 'set-cookie': '402_token=eyJset' } },
        headers: { authorization: 'Bearer eyJtop' },
        token: 'eyJtoken',
        settle: { token: 'eyJnested', secret: 'nested-secret' },
        deeper: { a: { token: 'eyJdeep' } },
      },
      'request',
    );
    const text = out.text();
    for (const leaked of [
      'eyJcookie',
      'eyJauth',
      'eyJheader',
      'sig-v2',
      'sig-v1',
      'eyJset',
      'eyJtop',
      'eyJtoken',
      'eyJnested',
      'nested-secret',
      'eyJdeep',
    ]) {
      expect(text).not.toContain(leaked);
    }
    const [line] = out.lines();
    expect(line).toMatchObject({
      msg: 'request',
      service: 'authz',
      req: {
        method: 'GET',
        headers: { host: 'shop.example', cookie: '[redacted]', authorization: '[redacted]' },
      },
    });
  });
});

describe('requestContext', () => {
  it('binds a valid incoming x-request-id to every line of the child logger', () => {
    const out = capture();
    const { log, requestId } = requestContext(createLogger({ name: 't', destination: out.stream }), {
      'x-request-id': 'abc-123.DEF_4',
    });
    expect(requestId).toBe('abc-123.DEF_4');
    log.info('one');
    log.warn('two');
    expect(out.lines().map((l) => l.requestId)).toEqual(['abc-123.DEF_4', 'abc-123.DEF_4']);
  });

  it('generates a UUID when the id is absent, too long or carries other characters', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const bad of [undefined, '', 'a'.repeat(129), 'evil\ninjected', 'id with spaces', '"quoted"']) {
      expect(requestIdFrom(bad === undefined ? {} : { 'x-request-id': bad })).toMatch(uuid);
    }
    expect(requestIdFrom({ 'x-request-id': 'a'.repeat(128) })).toBe('a'.repeat(128));
    expect(requestIdFrom({ 'x-request-id': ['first', 'second'] })).toBe('first');
  });
});

describe('no key twice in a line', () => {
  it('the scanner finds repeated keys that JSON.parse hides, at any depth', () => {
    expect(duplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2}]},"a":"x"}')).toEqual(['b.c[0].d', 'a']);
    expect(duplicateKeys('{"a":"\\"a\\":1","b":[1,-2.5e3,true,null]}')).toEqual([]);
    expect(() => duplicateKeys('{"a":1')).toThrow();
  });

  it("base fields, child bindings and line fields named like pino's own never repeat a key", () => {
    const out = capture();
    const log = createLogger({ name: 'portal', destination: out.stream });
    log.info({ name: 'migration-1' }, 'migration applied');
    log.child({ name: 'watcher' }).info('child line');
    requestContext(log, {}).log.child({ name: 'x' }).warn({ version: 1 }, 'nested child');
    expect(out.text().trim().split('\n')).toHaveLength(3);
    expect(linesWithDuplicateKeys(out.text())).toEqual([]);
    expect(out.lines().every((l) => l.service === 'portal')).toBe(true);
  });
});
