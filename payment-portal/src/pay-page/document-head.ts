import { PAY_PAGE_ASSETS_PATH } from './assets-dir.js';
import { escapeHtml as h } from './escape.js';

/**
 * The opening of every page the portal shows a payer (pay page, receipt): no referrer, not
 * indexed, no favicon request, the portal's own stylesheet, then `extra` (already safe HTML).
 */
export function documentHead(title: string, extra = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${h(title)}</title>
<link rel="stylesheet" href="${PAY_PAGE_ASSETS_PATH}pay.css">
${extra}</head>`;
}
