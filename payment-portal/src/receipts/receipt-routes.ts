import { REASONS } from '@turnpike/protocol';
import type express from 'express';
import type { PortalContext } from '../context.js';
import { PortalError } from '../errors.js';
import { getInvoice, isInvoiceIdShape } from '../invoices/get-invoice.js';
import { loadCreditedPayments } from './credited-payments.js';
import { verifyPayerToken } from './payer-token.js';
import { invoicesOfToken } from './receipts-for-token.js';
import { RECEIPT_PAGE_CSP, renderReceiptPage } from './render-receipt-page.js';
import { signReceipt, type SignedReceipt } from './sign-receipt.js';

/**
 * The payer's receipts on the public router:
 * - `GET <prefix>/receipts` with `Authorization: Bearer <access token>`: the receipts of the
 *   payment that bought the token (a program's way);
 * - `GET <prefix>/invoices/:id/receipt`: an invoice's receipts, as a page or JSON (the pay page
 *   links it once paid; the invoice id is the same capability as the pay page itself).
 */
export function mountReceiptRoutes(router: express.Router, ctx: PortalContext): void {
  const signAll = async (invoiceIds: readonly string[]): Promise<SignedReceipt[]> => {
    const payments = await loadCreditedPayments(ctx.db, invoiceIds);
    const signing = { issuer: ctx.config.issuer, registry: ctx.registry };
    return Promise.all(payments.map((p) => signReceipt(ctx.keys, p, signing)));
  };

  router.get('/receipts', async (req, res) => {
    const claims = await verifyPayerToken(ctx.keys, ctx.config.issuer, req.get('authorization'));
    const receipts = await signAll(await invoicesOfToken(ctx.db, claims));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ receipts });
  });

  router.get('/invoices/:id/receipt', async (req, res) => {
    const id = typeof req.params.id === 'string' ? req.params.id : '';
    const invoice = isInvoiceIdShape(id) ? await getInvoice(ctx.db, id) : null;
    if (!invoice) throw new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'no such invoice');
    const receipts = await signAll([id]);
    if (receipts.length === 0)
      throw new PortalError(REASONS.INVOICE_NOT_PAID, 409, 'nothing has been credited to this invoice yet');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept');
    if (req.accepts(['html', 'json']) === 'html') {
      res.setHeader('Content-Security-Policy', RECEIPT_PAGE_CSP);
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type('html').send(
        renderReceiptPage(receipts, {
          registry: ctx.registry,
          returnUrl: `${invoice.scheme}://${invoice.host}${invoice.originalUri}`,
        }),
      );
      return;
    }
    res.json({ receipts });
  });
}
