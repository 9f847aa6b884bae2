import { UsageError } from '../errors.js';

/** BIP-44 coin type 60 (Ethereum and every EVM chain): the path the portal's xpub is expected at. */
export const EVM_COIN_TYPE = 60;
const HARDENED = 0x8000_0000;

/** `m/44'/60'/<account>'`: the account node whose xpub goes into `wallets.evm.xpub`. */
export function evmAccountPath(account: number): string {
  return `m/44'/${EVM_COIN_TYPE}'/${account}'`;
}

/** Parses `--account N` (a BIP-44 account number, hardened when derived). */
export function parseAccount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) >= HARDENED)
    throw new UsageError(`--account must be an integer from 0 to ${HARDENED - 1}, got "${value}"`);
  return Number(value);
}
