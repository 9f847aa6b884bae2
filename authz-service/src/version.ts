/** The authorizer's version, sent in the probe's User-Agent. */
export const AUTHZ_VERSION = '0.1.0';
