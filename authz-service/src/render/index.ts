export { renderDenial, EXPOSE_HEADERS, type RenderDeps } from './render-denial.js';
export { identityHeadersFor } from './identity.js';
export { prefersHtml } from './negotiate.js';
export { x402Terms, type X402Terms, type X402V1Requirement, type X402V2Requirement } from './x402.js';
