import { deflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';

/** A real PDF (pdfkit), one page per entry of `pages`. */
export async function makePdf(pages: string[], options: { compress?: boolean } = {}): Promise<Buffer> {
  const doc = new PDFDocument({ compress: options.compress ?? true, autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  for (const text of pages) {
    doc.addPage();
    doc.text(text);
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A PDF that is small on the wire (tens of KB) but slow to read: all `pages` share one
 * Flate-compressed content stream of `textOps` text-showing operations, which pdf.js decodes
 * and walks anew for every page (about 3.5 s for 20 pages of 20,000 on a loaded 2-core machine).
 * Its text is `w0 w1 ... w96` over and over.
 */
export function makeSlowPdf(pages: number, textOps = 20_000): Buffer {
  const ops: string[] = [];
  for (let i = 0; i < textOps; i++) ops.push(`BT /F1 9 Tf ${20 + (i % 50) * 10} ${700 - (i % 60) * 10} Td (w${i % 97}) Tj ET`);
  const content = deflateSync(Buffer.from(ops.join('\n')));
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (b: Buffer) => {
    chunks.push(b);
    length += b.length;
  };
  const object = (id: number, body: Buffer | string) => {
    offsets[id] = length;
    push(Buffer.concat([Buffer.from(`${id} 0 obj\n`), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n')]));
  };
  push(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
  const pageIds = Array.from({ length: pages }, (_, i) => 5 + i);
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(2, `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`);
  object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  object(4, Buffer.concat([Buffer.from(`<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`), content, Buffer.from('\nendstream')]));
  for (const id of pageIds) object(id, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>');
  const size = 5 + pages;
  const xrefAt = length;
  let xref = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let id = 1; id < size; id++) xref += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  push(Buffer.from(`${xref}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`));
  return Buffer.concat(chunks);
}
