import QRCode from 'qrcode';
import { renderQrSvg } from '../../src/pay-page/index.js';
import { renderQrSvgSync } from '../../src/pay-page/qr.js';

const URI =
  'ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@31337/transfer?address=0x9858EfFD232B4033E47d90003D41EC34EcaEda94&uint256=1000000';

describe('QR code', () => {
  it('renders an inline SVG element with a viewBox and no script, link or style', async () => {
    const svg = await renderQrSvg(URI);
    expect(svg.trim()).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"[^>]*>[\s\S]*<\/svg>$/);
    expect(svg).not.toMatch(/<script|href=|style=|<style/i);
    expect(svg).toContain('<path');
  });

  it('renders the same SVG synchronously (renderPayPage stays synchronous)', async () => {
    expect(renderQrSvgSync(URI)).toBe(await renderQrSvg(URI));
  });

  it('encodes the whole URI: the symbol holds exactly its bytes, and another URI gives another code', () => {
    const qr = QRCode.create(URI, { errorCorrectionLevel: 'M' });
    // Byte segments hold a Uint8Array, numeric and alphanumeric ones a string.
    const encoded = qr.segments
      .map(({ data }: { data: unknown }) =>
        data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : String(data),
      )
      .join('');
    expect(encoded).toBe(URI);
    expect(renderQrSvgSync(URI)).not.toBe(renderQrSvgSync(URI.replace('1000000', '2000000')));
  });
});
