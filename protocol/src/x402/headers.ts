/** HTTP header names of x402 (lower case, as Node presents them). */
export const X402_HEADERS = {
  paymentRequired: 'payment-required',
  paymentSignature: 'payment-signature',
  paymentResponse: 'payment-response',
  v1Payment: 'x-payment',
  v1PaymentResponse: 'x-payment-response',
} as const;
