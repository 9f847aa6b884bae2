export { loadSolanaFeePayer, type SolanaFeePayer } from './fee-payer.js';
export { createFeePayerMonitor, type FeePayerMonitor, type FeePayerStatus } from './fee-payer-status.js';
export { registerFeePayerMetrics } from './fee-payer-metrics.js';
export { isSvmX402Proof } from './decode-svm.js';
export { settleX402Svm, type SvmX402Deps, type X402SolanaConfig } from './settle-svm.js';
export { svmRpcFor, type SvmRpcFor } from './rpc-for.js';
