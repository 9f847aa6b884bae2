import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Header names whose values are credentials: never logged. */
export const SENSITIVE_HEADERS = [
  'cookie',
  'set-cookie',
  'authorization',
  'proxy-authorization',
  'x-402-token',
  'payment-signature',
  'x-payment',
  'x-internal-token',
] as const;

const HEADER_HOLDERS = ['headers', 'req.headers', 'res.headers', 'request.headers', 'response.headers'];
const SECRET_FIELDS = ['token', 'secret', 'password', 'privateKey'];

/** Every pino redaction path the service loggers apply. */
export const REDACT_PATHS: string[] = [
  ...HEADER_HOLDERS.flatMap((holder) => SENSITIVE_HEADERS.map((h) => `${holder}["${h}"]`)),
  ...SENSITIVE_HEADERS.map((h) => `["${h}"]`),
  // Token and secret fields at any of the depths our log lines use.
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

export interface CreateLoggerOptions {
  /** The service's name, written as `service` on every line. */
  name: string;
  /** pino level; defaults to LOG_LEVEL or `info`. */
  level?: string | undefined;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture output. */
  destination?: DestinationStream | undefined;
}

/** A pino logger with the redaction every Turnpike service applies (credentials become `[redacted]`). */
export function createLogger(opts: CreateLoggerOptions): Logger {
  // The service's name goes into `service` only. pino's own `name` option would also write a
  // `name` key ahead of every line's fields, so a line or child binding with a `name` field (a
  // migration's, a watcher's) printed the key twice; JSON parsers keep one of them silently.
  const options = {
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: opts.name, pid: process.pid },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
