/**
 * `npm start`: the whole Turnpike loop on this machine (see docs/quick-start.md). DEV ONLY.
 *   TURNPIKE_GATEWAY_PORT  the demo gateway's port (default 8080)
 *   TURNPIKE_DATA_DIR      data directory (default .turnpike-data/)
 *   TURNPIKE_LOG_LEVEL     the services' log level (default warn)
 */
import { DEV_MNEMONIC } from '../deploy/dev/index.js';
import { startDevStack, type DevStack } from './dev/stack.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

function gatewayPort(): number {
  const raw = process.env.TURNPIKE_GATEWAY_PORT;
  if (raw === undefined || raw === '') return 8080;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    process.stderr.write(`TURNPIKE_GATEWAY_PORT must be a port number, got "${raw}"\n`);
    process.exit(2);
  }
  return port;
}

function logLevel(): LogLevel {
  const raw = process.env.TURNPIKE_LOG_LEVEL;
  return (LOG_LEVELS as readonly string[]).includes(raw ?? '') ? (raw as LogLevel) : 'warn';
}

function banner(stack: DevStack): string {
  const accounts = stack.accounts
    .map((a) => `    #${a.index}  ${a.address}   10000 ETH, 1000 USDC`)
    .join('\n');
  return `
Turnpike dev stack is up — DEV ONLY, nothing here is safe for real money.

  Open ${stack.url}

  ${stack.url}/          free page
  ${stack.url}/premium   priced page (1 USDC or 0.001 ETH, declared by the app's x-402-request header)
  ${stack.url}/api/quote priced JSON API (0.01 USDC, a static route in the authorizer's config)

  Local chain  anvil, chain id ${stack.chainId}, RPC ${stack.rpcUrl} (a new chain on every start)
               (Base Sepolia's chain id, so unmodified x402 v1 clients can sign for it; it is NOT
               Base Sepolia: in a wallet, add it as a custom network with this RPC)
  USDC         ${stack.usdcAddress} (Circle's FiatTokenV2_2)

  Dev accounts (anvil's well-known PUBLIC test keys, mnemonic "${DEV_MNEMONIC}",
  path m/44'/60'/0'/0/<n>; anyone can spend them on any real chain — never send real funds):
${accounts}
    #${stack.devPayAccount.index}  ${stack.devPayAccount.address}   pays for the pay page's "Pay with dev account" button
    #${stack.relayerAccount.index}  ${stack.relayerAccount.address}   x402 relayer (dev key; use a secret source in production)

  Receive addresses: dev xpub m/44'/60'/1' of the same mnemonic (dev only)
  Data: ${stack.dataDir} (token key ${stack.signingKeyFile}, mode 0600; the database is new each start)

  Try it:
    curl -i -H 'Accept: application/json' ${stack.url}/premium

  Ctrl-C stops everything.
`;
}

async function main(): Promise<void> {
  const dataDir = process.env.TURNPIKE_DATA_DIR || '.turnpike-data';
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log('Turnpike dev stack (dev only) …');
  let stack: DevStack | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping …`);
    // Still starting: main() closes what has started once startDevStack returns.
    if (stack === undefined) return;
    stack.close().then(
      () => {
        log('stopped.');
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // If the process that started us (tsx, a test) dies without passing a signal on, we are
  // re-parented: stop rather than leave anvil running.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent exited');
  }, 1_000).unref();
  try {
    stack = await startDevStack({ dataDir, gatewayPort: gatewayPort(), log, logLevel: logLevel() });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = /EADDRINUSE/.test(message)
      ? ' (the port is taken: set TURNPIKE_GATEWAY_PORT to another one)'
      : /Cannot find (module|package)|ENOENT/.test(message)
        ? ' (a part is missing: run `npm install` first)'
        : '';
    process.stderr.write(`the dev stack failed to start: ${message}${hint}\n`);
    process.exit(1);
  }
  if (stopping) {
    await stack.close();
    log('stopped.');
    process.exit(0);
  }
  log(banner(stack));
}

void main();
