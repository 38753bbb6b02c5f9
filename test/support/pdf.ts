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
