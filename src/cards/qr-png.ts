/** A QR code as a PNG image: error correction M, a quiet zone of 4 modules (what scanners expect). */
import QRCode from 'qrcode';

export function qrPng(payload: string): Promise<Buffer> {
  return QRCode.toBuffer(payload, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 });
}
