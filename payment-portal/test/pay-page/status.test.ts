import { statusText } from '../../src/pay-page/index.js';
import { devView, withStatus } from './fixtures.js';

describe('statusText', () => {
  it('says it is waiting while nothing has arrived', () => {
    expect(statusText(devView())).toEqual({ state: 'waiting', text: 'Waiting for your payment.' });
  });

  it('says a payment was seen, with the confirmations so far', () => {
    const s = statusText(
      withStatus('seen', { received: '1', remaining: '0', confirmations: { have: 0, need: 2 } }),
    );
    expect(s.state).toBe('seen');
    expect(s.text).toBe('Payment seen on Local dev chain. Waiting for confirmations (0 of 2 confirmations).');
  });

  it('counts confirmations n of N while confirming', () => {
    const s = statusText(
      withStatus('confirming', { received: '1', remaining: '0', confirmations: { have: 1, need: 2 } }),
    );
    expect(s).toEqual({ state: 'confirming', text: 'Confirming on Local dev chain (1 of 2 confirmations).' });
  });

  it.each(['pending', 'seen', 'confirming'] as const)(
    'names what is left to pay when underpaid (invoice %s)',
    (status) => {
      const s = statusText(withStatus(status, { received: '0.4', remaining: '0.6' }));
      expect(s.state).toBe('underpaid');
      expect(s.text).toContain('Received 0.4 USDC on Local dev chain');
      expect(s.text).toContain('Send the remaining 0.6 USDC to the same address.');
    },
  );

  it.each(['paid', 'redeemed'] as const)('says paid and that it is taking you back (%s)', (status) => {
    const s = statusText(
      withStatus(status, { received: '1', remaining: '0', confirmations: { have: 2, need: 2 } }),
    );
    expect(s.state).toBe('paid');
    expect(s.text).toBe('Payment received on Local dev chain. Taking you back to localhost:8080/premium…');
  });

  it('says expired and warns not to send anything', () => {
    const s = statusText(withStatus('expired'));
    expect(s.state).toBe('expired');
    expect(s.text).toBe(
      'This payment request has expired. Do not send anything to its addresses; go back to localhost:8080/premium for a new one.',
    );
  });
});
