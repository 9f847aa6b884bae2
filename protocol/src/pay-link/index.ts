export { MAX_PAY_LINK_CHARS, openPayLink, sealPayLink, type PayLink } from './pay-link.js';
