/* global fetch, AbortSignal */
// The image's HEALTHCHECK: GET /healthz of the service this container runs, exit 0 on a 200.
// node:20-*-slim has no curl or wget, so the probe is Node itself. The URL is
// TURNPIKE_HEALTHCHECK_URL when set, else the default port of the service PID 1 runs (from
// /proc/1/cmdline): authz-service 8081, payment-portal 8402 (the config examples' ports).
import { readFileSync } from 'node:fs';

const TIMEOUT_MS = 2_000;

function defaultUrl() {
  let command = '';
  try {
    command = readFileSync('/proc/1/cmdline', 'utf8');
  } catch {
    // no /proc: fall through to the portal's port
  }
  return command.includes('authz-service')
    ? 'http://127.0.0.1:8081/healthz'
    : 'http://127.0.0.1:8402/healthz';
}

const url = process.env.TURNPIKE_HEALTHCHECK_URL || defaultUrl();
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status !== 200) {
    console.error(`healthcheck: ${url} answered ${res.status}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`healthcheck: ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
