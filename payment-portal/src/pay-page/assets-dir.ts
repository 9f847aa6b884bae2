import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the pay page's static files, served by the portal at `/_402/assets/`: beside
 * this module, in src/ (tests, tsx) as in dist/ (`npm run build` copies them there, so the built
 * portal never reads src/).
 */
export const PAY_PAGE_ASSETS_DIR: string = fileURLToPath(new URL('./assets/', import.meta.url));

/** The public path the assets are served under (the portal is mounted at /_402/ on every host). */
export const PAY_PAGE_ASSETS_PATH = '/_402/assets/';
