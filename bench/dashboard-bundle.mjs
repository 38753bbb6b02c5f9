// `node bench/dashboard-bundle.mjs`: the dashboard's bundle, split (as `npm run build` makes it)
// against the baseline of one JS file for everything (the build before the split), both built in
// this run from the same sources into temporary directories. Prints what a browser downloads for
// the login page (index.html's script, modulepreloads and stylesheet) and, on top of it, for the
// usage tab (its lazy chunk and what that imports), raw and gzip -9, with the ratio split/baseline.
// No servers; runs on its own (not from bench/run.mjs, which snapshots dist/, not the sources).
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dashboardBuildOptions } from '../scripts/build-dashboard.mjs';

const { build } = await import('vite');

async function sizes(file) {
  const bytes = await readFile(file);
  return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}

/** The chunks `file` imports statically (`from"./x.js"`, `import"./x.js"`), transitively. */
async function staticClosure(assets, file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = await readFile(join(assets, file), 'utf8');
  for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) await staticClosure(assets, m[1], seen);
  return seen;
}

async function measure(split) {
  const out = await mkdtemp(join(tmpdir(), `tenantry-bundle-${split ? 'split' : 'one'}-`));
  try {
    const started = Date.now();
    await build(await dashboardBuildOptions(out, { split }));
    const ms = Date.now() - started;
    const assets = join(out, 'assets');
    const files = await readdir(assets);
    const js = files.filter((f) => f.endsWith('.js'));
    const html = await readFile(join(out, 'index.html'), 'utf8');
    const initial = new Set([...html.matchAll(/(?:src|href)="\/app\/assets\/([^"]+)"/g)].map((m) => m[1]));
    for (const f of [...initial]) if (f.endsWith('.js')) await staticClosure(assets, f, initial);
    const usageChunk = js.find((f) => /^UsageTab-/.test(f));
    const usage = usageChunk ? await staticClosure(assets, usageChunk) : new Set();
    const sum = async (names) => {
      const total = { raw: 0, gz: 0 };
      for (const f of names) {
        const s = await sizes(join(assets, f));
        total.raw += s.raw;
        total.gz += s.gz;
      }
      return total;
    };
    let largest = { file: '', raw: 0 };
    for (const f of js) {
      const { size } = await stat(join(assets, f));
      if (size > largest.raw) largest = { file: f.replace(/-[A-Za-z0-9_-]{8}\.js$/, '.js'), raw: size };
    }
    return {
      ms,
      jsFiles: js.length,
      allJs: await sum(js),
      login: await sum(initial),
      usageExtra: await sum([...usage].filter((f) => !initial.has(f))),
      largest,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
const baseline = await measure(false);
const split = await measure(true);
const rows = [
  ['JS files', String(baseline.jsFiles), String(split.jsFiles), ''],
  ['all JS, raw', kb(baseline.allJs.raw), kb(split.allJs.raw), (split.allJs.raw / baseline.allJs.raw).toFixed(2)],
  ['largest JS chunk, raw', `${kb(baseline.largest.raw)} (${baseline.largest.file})`, `${kb(split.largest.raw)} (${split.largest.file})`, (split.largest.raw / baseline.largest.raw).toFixed(2)],
  ['login page (JS + CSS), raw', kb(baseline.login.raw), kb(split.login.raw), (split.login.raw / baseline.login.raw).toFixed(2)],
  ['login page (JS + CSS), gzip', kb(baseline.login.gz), kb(split.login.gz), (split.login.gz / baseline.login.gz).toFixed(2)],
  ['usage tab on top, raw', kb(baseline.usageExtra.raw), kb(split.usageExtra.raw), ''],
  ['usage tab on top, gzip', kb(baseline.usageExtra.gz), kb(split.usageExtra.gz), ''],
  ['build time', `${baseline.ms} ms`, `${split.ms} ms`, ''],
];
console.log('| measure | one file (baseline) | split | split / baseline |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
