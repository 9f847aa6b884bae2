import type { OpenCreditBalance } from '../../credits/list-open-balances.js';

/** A balance as the admin API and the dashboard show it: the credit ledger's row as is. */
export type OpenCreditBalanceJson = OpenCreditBalance;
