/** One line of `turnpike doctor`: what was checked, against what, and what to do when it failed. */
export interface DoctorCheck {
  name: string;
  /** What was reached (URL without credentials, network name…). */
  target: string;
  status: 'ok' | 'problem' | 'skipped';
  message: string;
  hint?: string;
}

export const ok = (name: string, target: string, message: string): DoctorCheck => ({
  name,
  target,
  status: 'ok',
  message,
});
export const skipped = (name: string, target: string, message: string): DoctorCheck => ({
  name,
  target,
  status: 'skipped',
  message,
});
export const problem = (name: string, target: string, message: string, hint: string): DoctorCheck => ({
  name,
  target,
  status: 'problem',
  message,
  hint,
});

/** A URL as safe to print: user, password and query string removed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** The message of a failed fetch, with the timeout named as such. */
export function fetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.message;
}
