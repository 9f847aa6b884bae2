export type { PayPageView, PayPageOffer, PayPageStatus } from './view.js';
export { renderPayPage, type RenderPayPageOptions } from './render.js';
export { payPageCsp, PayPageNonceError } from './csp.js';
export { buildPaymentUri, dueOffer, type PaymentUriOptions } from './payment-uri.js';
export { renderQrSvg } from './qr.js';
export { PAY_PAGE_ASSETS_DIR, PAY_PAGE_ASSETS_PATH } from './assets-dir.js';
export { statusText, type PayPageStatusText } from './status.js';
export { safeCustomizationUrl } from './customization.js';
