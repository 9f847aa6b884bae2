import {
  PayPageNonceError,
  payPageCsp,
  renderPayPage,
  safeCustomizationUrl,
  type PayPageView,
} from '../../src/pay-page/index.js';
import { NONCE, devView } from './fixtures.js';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name = '', ...sources] = d.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

const custom = (customization: PayPageView['customization']): PayPageView => ({
  ...devView(),
  customization,
});

describe('pay page Content-Security-Policy', () => {
  it('without customization admits only our nonce for scripts and the portal itself for the rest', () => {
    const csp = directives(payPageCsp(devView(), NONCE));
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual([`'nonce-${NONCE}'`]);
    expect(csp.get('style-src')).toEqual(["'self'", `'nonce-${NONCE}'`]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'self'"]);
  });

  it('adds each customization origin to its own directive only', () => {
    const view = custom({
      css: 'https://cdn.shop.example/brand/pay.css?v=3',
      js: 'https://js.shop.example:8443/pay.js',
      image: 'https://img.shop.example/logo.svg',
    });
    const csp = directives(payPageCsp(view, NONCE));
    expect(csp.get('style-src')).toEqual(["'self'", `'nonce-${NONCE}'`, 'https://cdn.shop.example']);
    expect(csp.get('script-src')).toEqual([`'nonce-${NONCE}'`, 'https://js.shop.example:8443']);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'https://img.shop.example']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'none'"]);
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['JavaScript: with spaces', '  JavaScript:alert(document.cookie)'],
    ['data:', 'data:text/javascript,alert(1)'],
    ['a relative path', '/evil.js'],
    ['credentials in the URL', 'https://user:pw@evil.example/x.js'],
    ['a CSP injection attempt', "https://a.example; script-src 'unsafe-inline'"],
  ])('ignores a customization URL with %s in the CSP and the page', (_what, url) => {
    const view = custom({ css: url, js: url, image: url });
    const csp = payPageCsp(view, NONCE);
    expect(csp).not.toMatch(/javascript:|unsafe-inline|evil|data:text/i);
    expect(directives(csp).get('script-src')).toEqual([`'nonce-${NONCE}'`]);
    const html = renderPayPage(view, { nonce: NONCE });
    expect(html.toLowerCase()).not.toContain('javascript:');
    expect(html).not.toContain('evil');
    expect(html).not.toContain('unsafe-inline');
    // The page's own script stays the only one.
    expect(html.match(/<script [^>]*src=/g)).toHaveLength(1);
  });

  it('normalises an accepted URL before it reaches a src or href', () => {
    expect(safeCustomizationUrl('https://Shop.Example/a b.css')?.href).toBe('https://shop.example/a%20b.css');
    expect(safeCustomizationUrl('not a url')).toBeUndefined();
  });

  it('uses the customization script and stylesheet on the page, the script under our nonce', () => {
    const view = custom({
      css: 'https://cdn.shop.example/pay.css',
      js: 'https://js.shop.example/pay.js',
      image: 'https://img.shop.example/logo.png',
    });
    const html = renderPayPage(view, { nonce: NONCE });
    expect(html).toContain('<link rel="stylesheet" href="https://cdn.shop.example/pay.css">');
    expect(html).toContain(`<script nonce="${NONCE}" src="https://js.shop.example/pay.js" defer></script>`);
    expect(html).toMatch(/<img class="tp-logo" src="https:\/\/img\.shop\.example\/logo\.png" alt="[^"]+">/);
    // The site's stylesheet comes after ours, so it can override.
    expect(html.indexOf('https://cdn.shop.example/pay.css')).toBeGreaterThan(
      html.indexOf('/_402/assets/pay.css'),
    );
  });

  it.each(['', 'short', 'has space in it and is long', 'quote"breaks-out-of-attr=='])(
    'refuses to build a CSP or a page with the nonce %j',
    (nonce) => {
      expect(() => payPageCsp(devView(), nonce)).toThrow(PayPageNonceError);
      expect(() => renderPayPage(devView(), { nonce })).toThrow(PayPageNonceError);
    },
  );
});
