import { readFile } from 'node:fs/promises';
import { AdminError, NotFoundError, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

/** How long one admin API call may take. */
export const ADMIN_TIMEOUT_MS = 10_000;

export interface AdminTarget {
  /** `--admin-url`: the portal's admin listener, e.g. http://127.0.0.1:8092. */
  adminUrl: string;
  /** `--admin-token-file`; else `TURNPIKE_ADMIN_TOKEN`. */
  adminTokenFile?: string | undefined;
}

/** A call to the portal's admin API (`<admin-url>/admin/api<path>`). */
export type AdminCall = (path: string, init?: { method?: string; body?: unknown }) => Promise<unknown>;

/** Reads the admin secret: the file's first line, else `TURNPIKE_ADMIN_TOKEN`. Never printed. */
async function adminSecret(io: CliIo, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read --admin-token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const secret = text.split(/\r?\n/)[0]?.trim() ?? '';
    if (secret !== '') return secret;
  }
  const fromEnv = io.env.TURNPIKE_ADMIN_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new AdminError('admin_token_missing', 'no admin API secret', {
    hint: "set TURNPIKE_ADMIN_TOKEN or give --admin-token-file (the portal config's admin.token)",
  });
}

/**
 * A client of the portal's admin API: bearer secret, a timeout on every call, JSON both ways. A
 * refusal comes back as AdminError `admin_refused` naming the API's reason (and every problem of a
 * site definition), a 404 as NotFoundError, anything unreachable or 5xx as `admin_unavailable`.
 */
export async function adminClient(io: CliIo, target: AdminTarget): Promise<AdminCall> {
  let base: URL;
  try {
    base = new URL(target.adminUrl);
  } catch {
    throw new UsageError(`--admin-url ${target.adminUrl} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new UsageError('--admin-url must be http:// or https://');
  const secret = await adminSecret(io, target.adminTokenFile);
  const root = base.href.replace(/\/+$/, '');
  return async (path, init = {}) => {
    let res: Response;
    try {
      res = await fetch(`${root}/admin/api${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${secret}`,
          accept: 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
      });
    } catch (err) {
      throw new AdminError(
        'admin_unavailable',
        `the admin API at ${root} cannot be reached (${(err as Error).name})`,
        {
          cause: err,
        },
      );
    }
    const body = (await res.json().catch(() => undefined)) as
      { reason?: string; message?: string; issues?: Array<{ path: string; message: string }> } | undefined;
    if (res.ok) return body;
    const reason = body?.reason ?? `status_${res.status}`;
    const detail = body?.issues?.map((i) => `\n  ${i.path}: ${i.message}`).join('') ?? '';
    const message = `${reason}: ${body?.message ?? res.statusText}${detail}`;
    if (res.status === 404) throw new NotFoundError(message);
    if (res.status >= 500) throw new AdminError('admin_unavailable', message);
    throw new AdminError('admin_refused', message);
  };
}
