import { Command, CommanderError } from 'commander';
import { registerConfigCheck } from './commands/config-check.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInvoicesList } from './commands/invoices-list.js';
import { registerInvoicesShow } from './commands/invoices-show.js';
import { registerKeysNew } from './commands/keys-new.js';
import { registerKeysRotate } from './commands/keys-rotate.js';
import { registerPaymentsList } from './commands/payments-list.js';
import { registerRefundsList } from './commands/refunds-list.js';
import { registerRevenue } from './commands/revenue.js';
import { registerSitesAdd } from './commands/sites-add.js';
import { registerSitesDisable } from './commands/sites-disable.js';
import { registerSitesList } from './commands/sites-list.js';
import { registerSitesUpdate } from './commands/sites-update.js';
import { registerSweepPlan } from './commands/sweep-plan.js';
import { registerSweepSign } from './commands/sweep-sign.js';
import { registerWalletXpub } from './commands/wallet-xpub.js';
import { CliError, EXIT_CODES, type ExitCode } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { toJson, type CommandResult } from './output.js';
import { CLI_VERSION } from './version.js';

/** What each command's register function gets: the io, and `handle` to wrap its action. */
export interface CommandContext {
  io: CliIo;
  /** Runs the action; its result or error is printed by runCli. */
  handle<A extends unknown[]>(action: (...args: A) => Promise<CommandResult>): (...args: A) => Promise<void>;
}

/**
 * Runs `turnpike` with `argv` (without node and the script) and returns the exit code; nothing
 * calls process.exit, so tests run it in-process with their own io.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  let result: CommandResult | undefined;
  let failure: unknown;
  const program = new Command('turnpike')
    .description("Turnpike's operator tool: keys, wallet, config, invoices, revenue, sites, sweeps, doctor")
    .version(CLI_VERSION)
    .option('--json', 'print machine-readable JSON on stdout')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  const ctx: CommandContext = {
    io,
    handle:
      (action) =>
      async (...args) => {
        try {
          result = await action(...args);
        } catch (err) {
          failure = err;
        }
      },
  };
  const keys = program.command('keys').description('token signing keys (ES256)');
  registerKeysNew(keys, ctx);
  registerKeysRotate(keys, ctx);
  registerWalletXpub(program.command('wallet').description('the receive wallet (BIP-32 xpub)'), ctx);
  registerConfigCheck(program.command('config').description("the services' configuration files"), ctx);
  const invoices = program.command('invoices').description('invoices in the database (DATABASE_URL)');
  registerInvoicesList(invoices, ctx);
  registerInvoicesShow(invoices, ctx);
  registerPaymentsList(
    program.command('payments').description('payments the watchers and proofs recorded'),
    ctx,
  );
  registerRevenue(program, ctx);
  registerRefundsList(program.command('refunds').description('payments owed back to their payers'), ctx);
  const sites = program.command('sites').description("the sites (tenants), over the portal's admin API");
  registerSitesList(sites, ctx);
  registerSitesAdd(sites, ctx);
  registerSitesUpdate(sites, ctx);
  registerSitesDisable(sites, ctx);
  const sweep = program.command('sweep').description('move received funds to your own wallet');
  registerSweepPlan(sweep, ctx);
  registerSweepSign(sweep, ctx);
  registerDoctor(program, ctx);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      if (shown) return EXIT_CODES.ok;
      // Commander has printed its message to stderr; a --json caller still gets one JSON document.
      if (argv.includes('--json'))
        io.out(toJson({ error: { code: 'usage_invalid', message: err.message.replace(/^error: /, '') } }));
      return EXIT_CODES.usage;
    }
    failure = err;
  }
  const json = program.opts<{ json?: boolean }>().json === true;
  if (failure !== undefined) return printFailure(failure, io, json);
  if (result === undefined) return EXIT_CODES.ok;
  if (json) {
    const data =
      result.warnings && result.warnings.length > 0 && isRecord(result.data)
        ? { ...result.data, warnings: result.warnings }
        : result.data;
    io.out(toJson(data));
  } else if (result.text !== '') io.out(result.text);
  // On stderr in both modes (JSON stays parseable), after the output: the last thing on screen.
  for (const w of result.warnings ?? []) io.err(`WARNING: ${w}`);
  return result.exitCode ?? EXIT_CODES.ok;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function printFailure(err: unknown, io: CliIo, json: boolean): ExitCode {
  const known = err instanceof CliError;
  const code = known ? err.code : 'internal_error';
  const message = err instanceof Error ? err.message : String(err);
  const hint = known ? err.hint : undefined;
  if (json) io.out(toJson({ error: { code, message, ...(hint === undefined ? {} : { hint }) } }));
  else io.err(`error [${code}]: ${message}${hint === undefined ? '' : `\nhint: ${hint}`}`);
  return known ? err.exitCode : EXIT_CODES.internal;
}
