#!/usr/bin/env node
// The `turnpike` bin. A committed launcher, so npm links it at install time even before
// `npm run build` has written cli/dist/ (a bin pointing into dist/ would not be linked).
try {
  await import('../dist/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('main.js')) {
    console.error('turnpike: not built yet; run `npm run build` first');
    process.exit(2);
  }
  throw err;
}
