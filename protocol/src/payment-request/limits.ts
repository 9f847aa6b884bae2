/** Header value (or meta content) size limit, in bytes, before decoding. */
export const MAX_REQUEST_BYTES = 8192;
/** Shortest token lifetime: JWT times are in seconds. */
export const MIN_TOKEN_LIFETIME_MS = 1000;
/** Longest token lifetime: 366 days. */
export const MAX_TOKEN_LIFETIME_MS = 366 * 24 * 60 * 60 * 1000;
export const MAX_OFFERS = 16;
export const MAX_CLAIMS = 32;
export const MAX_CLAIM_KEY_CHARS = 64;
export const MAX_CLAIM_VALUE_CHARS = 1024;
export const MAX_DESCRIPTION_CHARS = 500;
export const MAX_CUSTOMIZATION_URL_CHARS = 2048;
/** How much of an HTML document is scanned for the <meta> tag. */
export const MAX_HTML_SCAN_BYTES = 256 * 1024;
/** Largest `outputSchema`, as JSON. */
export const MAX_OUTPUT_SCHEMA_BYTES = 4096;
