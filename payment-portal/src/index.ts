/**
 * @turnpike/payment-portal: invoices with unique receive addresses, chain watchers, tokens, the
 * pay page and the internal API for the authorizer.
 */
export { startPaymentPortal, type RunningPaymentPortal, type StartPaymentPortalOptions } from './app.js';
export {
  loadPortalConfig,
  PORTAL_ENV_PREFIX,
  type LoadPortalConfigOptions,
} from './config/load-portal-config.js';
export {
  portalConfigSchema,
  watcherConfigSchema,
  type PortalConfig,
  type PortalConfigInput,
  type WatcherConfig,
} from './config/schema.js';
export { PORTAL_REASONS, type PortalReason } from './reasons.js';
export { PortalError } from './errors.js';
export { createEvmAddressDeriver, type EvmAddressDeriver } from './addresses/derive-evm.js';
export { toPayPageView, loadPayPageView, type ViewContext } from './invoices/pay-page-view.js';
export type { InvoiceRecord, InvoiceOfferRecord, InvoiceStatus } from './invoices/types.js';
export type { SettleVerifier, SettleVerifiers } from './proofs/settle-verifiers.js';
export type { PortalContext } from './context.js';
export { createPublicApp } from './public/public-app.js';
export type { PayPageView } from './pay-page/view.js';
// For the operator CLI (@turnpike/cli): the same key loading, derivation and config checks the portal runs.
export {
  loadSigningKeys,
  SigningKeyError,
  type SigningKey,
  type SigningKeySet,
} from './tokens/signing-keys.js';
export { ADDRESS_BRANCH, createXpubDeriver, walletIdOf, type XpubDeriver } from './addresses/xpub-deriver.js';
export { checkPortalConfig } from './start/check-config.js';
export { getInvoice } from './invoices/get-invoice.js';
export { createRpcClient, RpcError, type RpcClient } from './watchers/evm/rpc-client.js';
// Refunds owed (overpayments, payments to invoices that expired unpaid): `turnpike refunds list` and `sweep plan --refunds`.
export { listRefunds, type Refund, type RefundKind } from './refunds/list-refunds.js';
export { lateGraceByNetwork } from './refunds/late-grace-by-network.js';
