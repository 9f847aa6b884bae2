import QRCode from 'qrcode';

const QR_OPTIONS = {
  type: 'svg',
  errorCorrectionLevel: 'M',
  margin: 2,
  color: { dark: '#000000', light: '#ffffff' },
} as const;

/** A QR code of `text` as an inline SVG element string (for a payment URI). */
export async function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, QR_OPTIONS);
}

/**
 * The same, synchronously: the qrcode package renders at once when given a callback, which lets
 * renderPayPage stay synchronous.
 */
export function renderQrSvgSync(text: string): string {
  let svg: string | undefined;
  let failure: unknown;
  QRCode.toString(text, QR_OPTIONS, (err, out) => {
    if (err) failure = err;
    else svg = out;
  });
  if (failure !== undefined) throw failure;
  if (svg === undefined) throw new Error('qrcode did not render synchronously');
  return svg;
}
