import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function resolveAssetsDir(): string {
  const beside = fileURLToPath(new URL('./assets/', import.meta.url));
  if (existsSync(beside)) return beside;
  // tsc does not copy the assets into dist/, so a build reads them from the sources.
  return fileURLToPath(new URL('../../src/pay-page/assets/', import.meta.url));
}

/** Absolute path of the pay page's static files, served by the portal at `/_402/assets/`. */
export const PAY_PAGE_ASSETS_DIR: string = resolveAssetsDir();

/** The public path the assets are served under (the portal is mounted at /_402/ on every host). */
export const PAY_PAGE_ASSETS_PATH = '/_402/assets/';
