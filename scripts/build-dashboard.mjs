// Builds the web dashboard (apps/dashboard, React + Vite) into dist/dashboard and the embeddable
// chat widget (apps/dashboard/widget) into dist/widget/widget.js. Called by scripts/build.mjs, so
// `npm run build`, `npm start` and `npm test` serve a fresh one.
// Vite takes seconds on a loaded machine, so the build is skipped when nothing it reads changed:
// a hash of the dashboard's sources, package-lock.json and this script, kept in dist/dashboard.hash.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = join(root, 'apps', 'dashboard');
const out = join(root, 'dist', 'dashboard');
const widgetOut = join(root, 'dist', 'widget');
const stamp = join(root, 'dist', 'dashboard.hash');

async function sources(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sources(path)));
    else found.push(path);
  }
  return found.sort();
}

async function inputsHash() {
  const hash = createHash('sha256');
  for (const file of [...(await sources(app)), join(root, 'package-lock.json'), fileURLToPath(import.meta.url)]) {
    hash.update(file).update('\0').update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}

export async function buildDashboard({ force = false } = {}) {
  const hash = await inputsHash();
  const fresh = existsSync(join(out, 'index.html')) && existsSync(join(widgetOut, 'widget.js'));
  if (!force && fresh && existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash) return false;
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    root: app,
    base: '/app/',
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: out, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2000, assetsDir: 'assets' },
  });
  // The widget: one self-contained file (no chunks, no CSS file) that any page can load.
  await build({
    root: app,
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: widgetOut,
      emptyOutDir: true,
      sourcemap: false,
      lib: { entry: join(app, 'widget', 'widget.ts'), formats: ['iife'], name: 'TenantryWidget', fileName: () => 'widget.js' },
    },
  });
  await writeFile(stamp, hash);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const built = await buildDashboard({ force: process.argv.includes('--force') });
  console.log(built ? `dashboard built in ${Date.now() - started} ms` : 'dashboard up to date');
}
