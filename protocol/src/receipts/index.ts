export { RECEIPT_TYP, receiptClaimsSchema, type ReceiptClaims } from './receipt-claims.js';
