// Upload-to-searchable (issue 16): a 5 MB PDF (pdfkit, uncompressed, ~690K characters of
// text) sent to POST /api/v1/corpus/files, timed until `POST /api/v1/corpus/query` with a word
// only its last page holds finds one of its passages. Baselines in the same run, same servers: the same text
// uploaded as a .txt (upload without PDF parsing), and pdf.js extracting the text in this
// process (parsing alone). 5 rounds each, alternating. During each upload GET /health is sent
// every 50 ms: the worst wait (median over rounds) shows whether extraction holds the event loop.
import { performance } from 'node:perf_hooks';
import PDFDocument from 'pdfkit';
import { fmt, http, log, machine, median, register, sleep, table, withStack } from './lib.mjs';

const ROUNDS = Number(process.env.UPLOAD_ROUNDS ?? 5);
const PAGES = Number(process.env.UPLOAD_PDF_PAGES ?? 375);
const WORDS = ['tenant', 'schema', 'passage', 'search', 'upload', 'heron', 'crane', 'invoice', 'policy', 'refund', 'shipping', 'quarterly', 'revenue', 'report'];

async function makePdf(marker) {
  const doc = new PDFDocument({ compress: false, autoFirstPage: false });
  const chunks = [];
  doc.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve) => doc.on('end', resolve));
  // pdfkit writes its output only when the document ends: the page count is chosen up front
  // (measured: about 14 KB of PDF and 1.9K characters per 250 words, uncompressed).
  let seed = 1;
  for (let p = 0; p < PAGES; p++) {
    doc.addPage();
    let text = '';
    for (let i = 0; i < 250; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      text += WORDS[seed % WORDS.length] + (i % 2 ? '\n' : ' ');
    }
    doc.fontSize(10).text(text);
  }
  doc.addPage();
  doc.text(`closing page ${marker}`);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

async function extract(buf) {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await getDocument({ data: new Uint8Array(buf), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  const parts = [];
  for (let i = 1; i <= pdf.numPages; i++) parts.push((await (await pdf.getPage(i)).getTextContent()).items.map((x) => x.str).join(' '));
  await pdf.destroy();
  return parts.join('\n');
}

async function uploadThenFind(apiUrl, token, tenantId, name, data, type, marker) {
  const request = http(apiUrl);
  const t0 = performance.now();
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  // While the upload is in flight, GET /health every 50 ms: how long the API makes others wait.
  let answered = false;
  const probe = (async () => {
    let worst = 0;
    while (!answered) {
      const s = performance.now();
      await fetch(`${apiUrl}/health`).then((r) => r.arrayBuffer());
      worst = Math.max(worst, performance.now() - s);
      await sleep(50);
    }
    return worst;
  })();
  const res = await fetch(`${apiUrl}/api/v1/corpus/files`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenantId }, body: form });
  const body = await res.json();
  answered = true;
  const healthMax = await probe;
  if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(body)}`);
  const uploaded = performance.now() - t0;
  for (;;) {
    // The passage query, not `?q=`: a document's own tsvector covers only its first 200,000
    // characters (README, Search), and the marker is on the last page, ~690K characters in.
    const found = await request('POST', '/api/v1/corpus/query', { token, headers: { 'x-tenant-id': tenantId }, body: { query: marker, top_k: 10 } }); // the PDF and the .txt of a round share the marker
    if (found.status === 200 && found.body.passages.some((p) => p.document_id === body.document_id)) break;
    if (performance.now() - t0 > 120_000) throw new Error(`${name} not searchable after 120 s`);
    await sleep(10);
  }
  return { uploaded, searchable: performance.now() - t0, healthMax };
}

export async function runUpload() {
  await withStack('upload', 15 * 60_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_upload');
    const env = stack.appEnv(databaseUrl, {});
    const [api] = await Promise.all([stack.startApp('api', env), stack.startApp('worker', env)]);
    const apiUrl = `http://127.0.0.1:${api.port}`;
    const request = http(apiUrl);
    const token = await register(request);
    const created = await request('POST', '/api/tenants', { token, body: { name: 'Upload bench', slug: `upload-${Date.now().toString(36)}`, plan: 'enterprise' } });
    for (;;) {
      const t = await request('GET', `/api/tenants/${created.body.id}`, { token });
      if (t.body.status === 'active') break;
      await sleep(50);
    }
    const rows = { pdf: [], txt: [], extract: [] };
    let sizes;
    for (let round = 0; round < ROUNDS; round++) {
      const marker = `zqx${round}marker${Date.now().toString(36)}`;
      const pdf = await makePdf(marker);
      const t0 = performance.now();
      const text = await extract(pdf);
      rows.extract.push(performance.now() - t0);
      const txt = Buffer.from(text);
      sizes = { pdf: pdf.length, txt: txt.length };
      rows.pdf.push(await uploadThenFind(apiUrl, token, created.body.id, `report-${round}.pdf`, pdf, 'application/pdf', marker));
      rows.txt.push(await uploadThenFind(apiUrl, token, created.body.id, `report-${round}.txt`, txt, 'text/plain', marker));
      log(`upload: round ${round + 1}/${ROUNDS}: pdf ${fmt(rows.pdf.at(-1).searchable, 0)} ms (worst /health ${fmt(rows.pdf.at(-1).healthMax, 0)} ms), txt ${fmt(rows.txt.at(-1).searchable, 0)} ms, extraction alone ${fmt(rows.extract.at(-1), 0)} ms`);
    }
    const pdfMed = median(rows.pdf.map((r) => r.searchable));
    const txtMed = median(rows.txt.map((r) => r.searchable));
    const extractMed = median(rows.extract);
    const out = [
      `Upload to searchable, ${ROUNDS} rounds, median (ms); ${machine()}`,
      `PDF ${(sizes.pdf / 1024 / 1024).toFixed(2)} MB, its text ${(sizes.txt / 1024).toFixed(0)} KB`,
      table(
        ['what', 'upload answered', 'searchable', 'ratio to txt', 'worst GET /health during the upload'],
        [
          ['5 MB PDF', fmt(median(rows.pdf.map((r) => r.uploaded)), 0), fmt(pdfMed, 0), fmt(pdfMed / txtMed, 2), fmt(median(rows.pdf.map((r) => r.healthMax)), 0)],
          ['same text as .txt (baseline)', fmt(median(rows.txt.map((r) => r.uploaded)), 0), fmt(txtMed, 0), '1.00', fmt(median(rows.txt.map((r) => r.healthMax)), 0)],
          ['pdf.js extraction alone, in process', '', fmt(extractMed, 0), fmt(extractMed / txtMed, 2), ''],
        ],
      ),
    ].join('\n');
    process.stdout.write(`${out}\n`);
  });
}
