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

const nodeModule = (names) => new RegExp(`[\\\\/]node_modules[\\\\/](${names.join('|')})[\\\\/]`);
/**
 * Libraries in chunks of their own (Vite 8 bundles with Rolldown: `codeSplitting.groups` is what
 * Rollup's `manualChunks` was), so a release that changes only our code leaves their hashed files
 * cached in browsers. A group takes the dependencies of what it captures too, and the higher
 * priority claims a module first: React and Mantine go before the charts, or the charts chunk
 * would take React (and clsx) with it and every page would load it. The chart library loads with
 * the usage tab alone; the pages and tabs are split by React.lazy (App.tsx, TenantPage.tsx).
 */
const VENDOR_CHUNKS = [
  { name: 'react', priority: 40, test: nodeModule(['react', 'react-dom', 'scheduler', 'react-router', 'cookie', 'set-cookie-parser', '@tanstack']) },
  { name: 'mantine', priority: 30, test: nodeModule(['@mantine']) },
  { name: 'charts', priority: 20, test: nodeModule(['recharts']) },
  { name: 'vendor', priority: 10, test: /[\\/]node_modules[\\/]/ },
];

/**
 * Vite's options for the dashboard into `outDir`. `split: false` is the bundle before the split
 * (one JS file for everything: Rolldown inlines the lazy imports), which bench/dashboard-bundle.mjs
 * builds as its baseline.
 */
export async function dashboardBuildOptions(outDir, { split = true } = {}) {
  const react = (await import('@vitejs/plugin-react')).default;
  return {
    root: app,
    base: '/app/',
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: false,
      // Vite's default: a chunk over 500 kB warns again (BENCHMARKS.md, "Dashboard bundle").
      chunkSizeWarningLimit: split ? 500 : 2000,
      assetsDir: 'assets',
      rolldownOptions: { output: { codeSplitting: split ? { groups: VENDOR_CHUNKS } : false } },
    },
  };
}

export async function buildDashboard({ force = false } = {}) {
  const hash = await inputsHash();
  const fresh = existsSync(join(out, 'index.html')) && existsSync(join(widgetOut, 'widget.js'));
  if (!force && fresh && existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash) return false;
  const { build } = await import('vite');
  await build(await dashboardBuildOptions(out));
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
