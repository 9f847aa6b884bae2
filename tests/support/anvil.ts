/** Tests use the same anvil + USDC harness as `npm start` (deploy/dev). */
export * from '../../deploy/dev/index.js';
