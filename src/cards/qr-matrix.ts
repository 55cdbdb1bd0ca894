/**
 * A QR code as its module matrix (error correction M), drawn by `render-card.ts` as vector
 * squares: sharp at any print size, and the same bytes on every run (an embedded PNG is
 * decoded asynchronously by PDFKit, which numbers its objects in whatever order that ends).
 */
import QRCode from 'qrcode';

export interface QrMatrix {
  readonly size: number;
  dark(x: number, y: number): boolean;
}

export function qrMatrix(payload: string): QrMatrix {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  return { size: modules.size, dark: (x, y) => modules.get(y, x) === 1 };
}
