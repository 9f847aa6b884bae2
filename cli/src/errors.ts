/**
 * The CLI's errors: each has a stable snake_case `code` (listed in docs/cli.md, checked by a test)
 * and the process exit code it maps to (EXIT_CODES). Messages are for people; scripts use `code`.
 */
export const EXIT_CODES = {
  /** Everything ran and nothing is wrong. */
  ok: 0,
  /** The command ran and found problems (config check, doctor) or the thing asked for does not exist. */
  problems: 1,
  /** Wrong usage or unusable input: bad arguments, an unreadable or invalid file, an invalid mnemonic. */
  usage: 2,
  /** An outside dependency could not be used: the database or an RPC endpoint. */
  unavailable: 3,
  /** Refused to do something unsafe: overwrite a file, sign a plan the mnemonic does not match. */
  refused: 4,
  /** A bug in the CLI itself. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Every error code the CLI prints, with its exit code. */
export const CLI_ERROR_CODES = {
  usage_invalid: EXIT_CODES.usage,
  config_invalid: EXIT_CODES.usage,
  mnemonic_invalid: EXIT_CODES.usage,
  plan_invalid: EXIT_CODES.usage,
  database_url_missing: EXIT_CODES.usage,
  admin_token_missing: EXIT_CODES.usage,
  admin_refused: EXIT_CODES.usage,
  not_found: EXIT_CODES.problems,
  database_unavailable: EXIT_CODES.unavailable,
  rpc_failed: EXIT_CODES.unavailable,
  admin_unavailable: EXIT_CODES.unavailable,
  file_exists: EXIT_CODES.refused,
  plan_mismatch: EXIT_CODES.refused,
  internal_error: EXIT_CODES.internal,
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

/** Base class: a stable code, its exit code, and an optional hint saying what to do. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: CliErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = CLI_ERROR_CODES[code];
    this.hint = opts.hint;
  }
}

/** Bad arguments or an unusable input file. */
export class UsageError extends CliError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('usage_invalid', message, opts);
  }
}

/** An input (file, stdin, plan) that does not parse. */
export class InputError extends CliError {
  constructor(
    code: 'mnemonic_invalid' | 'plan_invalid' | 'config_invalid',
    message: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, opts);
  }
}

/** The output file already exists: the CLI never overwrites keys, plans or signed transactions. */
export class FileExistsError extends CliError {
  constructor(file: string) {
    super('file_exists', `${file} already exists; refusing to overwrite it`, {
      hint: 'choose another --out path or move the existing file away first',
    });
  }
}

/** The database or an RPC endpoint could not be used. */
export class UnavailableError extends CliError {
  constructor(
    code: 'database_unavailable' | 'rpc_failed',
    message: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, opts);
  }
}

/** The admin API refused a request (its reason and problems in the message), or no secret was given. */
export class AdminError extends CliError {
  constructor(
    code: 'admin_token_missing' | 'admin_refused' | 'admin_unavailable',
    message: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, opts);
  }
}

/** A record asked for by id does not exist. */
export class NotFoundError extends CliError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** A sweep plan that the mnemonic or the plan's own fields contradict. */
export class PlanMismatchError extends CliError {
  constructor(message: string, hint?: string) {
    super('plan_mismatch', message, hint === undefined ? {} : { hint });
  }
}
