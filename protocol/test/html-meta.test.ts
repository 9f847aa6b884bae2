import { ProtocolError, createNetworkRegistry, paymentRequestFromHtml } from '@turnpike/protocol';

const registry = createNetworkRegistry();
const REQ = Buffer.from(
  JSON.stringify({ exp: 60_000, payment: { requests: [{ network: 'base', amount: '2', asset: 'USDC' }] } }),
).toString('base64');
const OTHER = Buffer.from(
  JSON.stringify({ exp: 60_000, payment: { requests: [{ network: 'polygon', amount: '9' }] } }),
).toString('base64');
const meta = (content: string) => `<meta name="x-402-request" content="${content}">`;
const amountOf = (html: string) => {
  try {
    return paymentRequestFromHtml(html, registry)?.offers[0]?.amount ?? 'free';
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
};

describe('paymentRequestFromHtml', () => {
  it.each([
    ['plain', `<html><head>${meta(REQ)}</head><body></body></html>`, '2'],
    ['no head element at all', `${meta(REQ)}<p>text</p>`, '2'],
    ['upper-case tag and attribute names', `<HEAD><META NAME="X-402-Request" CONTENT="${REQ}"></HEAD>`, '2'],
    ['self-closing with slash', `<head><meta name="x-402-request" content="${REQ}"/></head>`, '2'],
    ['unquoted values', `<head><meta name=x-402-request content=${REQ}></head>`, '2'],
    ['whitespace around =', `<head><meta name = "x-402-request"\n content =\t'${REQ}'></head>`, '2'],
    [
      'other metas and links first',
      `<head><meta charset=utf-8><link rel=stylesheet href="a>b.css">${meta(REQ)}</head>`,
      '2',
    ],
    [
      'a quoted > inside another attribute',
      `<head><meta property="og:x" content="a > b">${meta(REQ)}</head>`,
      '2',
    ],
    [
      'duplicate attribute: the first wins',
      `<head><meta name="x-402-request" name="other" content="${REQ}"></head>`,
      '2',
    ],
    ['commented meta ignored', `<head><!-- ${meta(OTHER)} -->${meta(REQ)}</head>`, '2'],
    ['empty comment forms', `<head><!--><!--->${meta(REQ)}</head>`, '2'],
    [
      'meta in a script string ignored',
      `<head><script>document.write('${meta(OTHER)}')</script>${meta(REQ)}</head>`,
      '2',
    ],
    [
      '</script inside a script string does not end it early',
      `<head><script>var s="</scripty>${meta(OTHER)}";</script>${meta(REQ)}</head>`,
      '2',
    ],
    [
      'meta in style and title ignored',
      `<head><style>/* ${meta(OTHER)} */</style><title>${meta(OTHER)}</title>${meta(REQ)}</head>`,
      '2',
    ],
    ['meta in a template ignored', `<head><template>${meta(OTHER)}</template>${meta(REQ)}</head>`, '2'],
    [
      'doctype and processing instructions skipped',
      `<!DOCTYPE html><?xml version="1.0"?><head>${meta(REQ)}</head>`,
      '2',
    ],
    ['a stray < in text', `<head><title>a</title>1 < 2 ${meta(REQ)}</head>`, '2'],
    ['meta after </head> ignored', `<head></head>${meta(REQ)}`, 'free'],
    ['meta after <body> ignored', `<html><body>${meta(REQ)}</body></html>`, 'free'],
    ['unterminated comment hides the rest', `<head><!-- ${meta(REQ)}`, 'free'],
    ['unterminated attribute quote hides the rest', `<head><meta name="x ${meta(REQ)}`, 'free'],
    ['name without content', `<head><meta name="x-402-request"></head>`, 'free'],
    [
      'entities in the content',
      `<head>${meta(REQ.replace(/=/g, '&#61;').replace(/\+/g, '&plus;').replace(/\//g, '&sol;'))}</head>`,
      '2',
    ],
    ['an unknown entity breaks base64', `<head>${meta(`${REQ}&bogus;`)}</head>`, 'request_not_base64'],
    ['same meta twice is fine', `<head>${meta(REQ)}${meta(REQ)}</head>`, '2'],
    ['two different metas conflict', `<head>${meta(REQ)}${meta(OTHER)}</head>`, 'request_conflict'],
    [
      'required=false meta makes it free',
      `<head><meta name="x-402-required" content="false">${meta(REQ)}</head>`,
      'free',
    ],
  ])('%s', (_name, html, expected) => {
    expect(amountOf(html)).toBe(expected);
  });

  it('reads only the first 256 KiB', () => {
    const filler = `<head><title>t</title>${' '.repeat(256 * 1024)}`;
    expect(amountOf(`${filler}${meta(REQ)}</head>`)).toBe('free');
    expect(amountOf(`<head>${' '.repeat(200 * 1024)}${meta(REQ)}</head>`)).toBe('2');
  });
});
