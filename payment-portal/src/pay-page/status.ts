import type { PayPageOffer, PayPageView } from './view.js';

/** What the status region says, and the state name the page's styles and script key on. */
export interface PayPageStatusText {
  state: 'waiting' | 'underpaid' | 'seen' | 'confirming' | 'paid' | 'expired';
  text: string;
}

const isZero = (decimal: string): boolean => /^0*(\.0*)?$/.test(decimal.trim());

/** The offer a payment has arrived on, if any (the first one with something received). */
export function activeOffer(view: PayPageView): PayPageOffer | undefined {
  return view.offers.find((o) => !isZero(o.received) || o.confirmations.have > 0);
}

/**
 * The words for the current invoice state. The page's script (assets/pay.js) words live updates
 * the same way; this is what a first load and a browser without JavaScript show.
 */
export function statusText(view: PayPageView): PayPageStatusText {
  const { invoice } = view;
  const offer = activeOffer(view);
  const where = offer === undefined ? '' : ` on ${offer.networkLabel}`;
  switch (invoice.status) {
    case 'paid':
    case 'redeemed':
      return {
        state: 'paid',
        text: `Payment received${where}. Taking you back to ${invoice.host}${invoice.resource}…`,
      };
    case 'expired':
      return {
        state: 'expired',
        text: `This payment request has expired. Do not send anything to its addresses; go back to ${invoice.host}${invoice.resource} for a new one.`,
      };
    case 'confirming':
    case 'seen': {
      const conf = offer?.confirmations;
      const progress = conf === undefined ? '' : ` (${conf.have} of ${conf.need} confirmations)`;
      if (offer !== undefined && isUnderpaid(offer)) return underpaid(offer);
      return invoice.status === 'seen'
        ? { state: 'seen', text: `Payment seen${where}. Waiting for confirmations${progress}.` }
        : { state: 'confirming', text: `Confirming${where}${progress}.` };
    }
    case 'pending':
      if (offer !== undefined && isUnderpaid(offer)) return underpaid(offer);
      return { state: 'waiting', text: 'Waiting for your payment.' };
  }
}

const isUnderpaid = (offer: PayPageOffer): boolean => !isZero(offer.received) && !isZero(offer.remaining);

function underpaid(offer: PayPageOffer): PayPageStatusText {
  const sym = offer.asset.symbol;
  return {
    state: 'underpaid',
    text: `Received ${offer.received} ${sym} on ${offer.networkLabel}, which is less than the price. Send the remaining ${offer.remaining} ${sym} to the same address.`,
  };
}
