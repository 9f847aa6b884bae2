import { AsyncLocalStorage } from 'node:async_hooks';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';

const REDACTED = '[redacted]';

/**
 * A secret value read from an environment variable or a file. Every way of printing it
 * (`String()`, `JSON.stringify`, `util.inspect`, pino) shows `[redacted]`; only `reveal()` gives
 * the value, so a secret reaches a log only by someone writing `reveal()` next to it.
 */
export class Secret {
  readonly #value: string;
  /** Where the value came from, e.g. `env PORTAL_DB_PASSWORD` or `file /run/secrets/x`; safe to log. */
  readonly source: string;

  constructor(value: string, source = 'value') {
    this.#value = value;
    this.source = source;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Where secrets are resolved from while {@link loadConfig} parses (env and the config file's directory). */
export interface SecretContext {
  env: NodeJS.ProcessEnv;
  baseDir: string;
}

/** @internal Set by loadConfig around parsing; outside it, process.env and the cwd are used. */
export const secretContext = new AsyncLocalStorage<SecretContext>();

const fromEnvSchema = z.strictObject({
  fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'),
});
const fromFileSchema = z.strictObject({ fromFile: z.string().min(1, 'empty file path') });

/** The written form of a secret source: exactly one of `{fromEnv}` or `{fromFile}`. */
export type SecretSource = z.infer<typeof fromEnvSchema> | z.infer<typeof fromFileSchema>;

/**
 * A config field that holds a secret. Accepts exactly one of `{ fromEnv: NAME }` or
 * `{ fromFile: PATH }` and resolves it into a {@link Secret}; a literal value is refused so secrets
 * never sit in committed config. A missing variable, an empty value or an unreadable file is a
 * problem reported with all the others. A file's trailing newline is dropped; relative file paths
 * are taken from the config file's directory. The check reads files, so it is asynchronous:
 * parse with `loadConfig`, `parseAsync` or `safeParseAsync` (a synchronous `parse` throws).
 */
export const secretSourceSchema = z.unknown().transform(async (input, ctx): Promise<Secret> => {
  if (typeof input === 'string' || typeof input === 'number') {
    ctx.addIssue({
      code: 'custom',
      message: 'a literal secret is not allowed; use {fromEnv: NAME} or {fromFile: PATH}',
    });
    return z.NEVER;
  }
  if (input === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'required (a secret source: {fromEnv: NAME} or {fromFile: PATH})',
    });
    return z.NEVER;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a secret source: {fromEnv: NAME} or {fromFile: PATH}',
    });
    return z.NEVER;
  }
  const keys = Object.keys(input);
  if (keys.length !== 1 || (keys[0] !== 'fromEnv' && keys[0] !== 'fromFile')) {
    ctx.addIssue({ code: 'custom', message: 'expected exactly one of {fromEnv: NAME} or {fromFile: PATH}' });
    return z.NEVER;
  }
  const context = secretContext.getStore() ?? { env: process.env, baseDir: process.cwd() };
  if (keys[0] === 'fromEnv') {
    const parsed = fromEnvSchema.safeParse(input);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `fromEnv: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
      return z.NEVER;
    }
    const name = parsed.data.fromEnv;
    const value = context.env[name];
    if (value === undefined || value === '') {
      ctx.addIssue({ code: 'custom', message: `environment variable ${name} is not set` });
      return z.NEVER;
    }
    return new Secret(value, `env ${name}`);
  }
  const parsed = fromFileSchema.safeParse(input);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: `fromFile: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    return z.NEVER;
  }
  const path = isAbsolute(parsed.data.fromFile)
    ? parsed.data.fromFile
    : resolve(context.baseDir, parsed.data.fromFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `cannot read secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    });
    return z.NEVER;
  }
  // Secret files are usually written with `echo`, which appends a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    ctx.addIssue({ code: 'custom', message: `secret file ${path} is empty` });
    return z.NEVER;
  }
  return new Secret(value, `file ${path}`);
});

/**
 * The internal API secret the two services share (authz `portal.token`, portal
 * `listeners.internalToken`): a secret source of at least 16 characters, since it also keys the
 * sealed API challenges and pay links (protocol `deriveSealKeys`).
 */
export const internalSecretSchema = secretSourceSchema.refine((s) => s.reveal().length >= 16, {
  message: 'at least 16 characters (it also keys the sealed challenges and pay links)',
});
