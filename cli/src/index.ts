/** @turnpike/cli: the `turnpike` operator command (see docs/cli.md). */
export { runCli, type CommandContext } from './program.js';
export { CLI_ERROR_CODES, CliError, EXIT_CODES, type CliErrorCode, type ExitCode } from './errors.js';
export type { CliIo } from './io.js';
