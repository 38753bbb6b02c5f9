// Compiles apps/ and libs/ to dist/ with SWC (type checking is `npm run lint`).
// One pass over the sources takes about a second, so `npm start` and `npm test` always run fresh code.
// Outputs are replaced atomically (write + rename) and unchanged files are left alone, so a
// process starting while another build runs never loads a half-written module.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from './build-dashboard.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function* files(dir, accept) {
  if (!existsSync(dir)) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // apps/dashboard is the web app: Vite builds it (scripts/build-dashboard.mjs), not SWC.
    if (entry.isDirectory() && path === join(root, 'apps', 'dashboard')) continue;
    if (entry.isDirectory()) yield* files(path, accept);
    else if (accept(entry.name)) yield path;
  }
}

async function writeIfChanged(target, content) {
  if (existsSync(target) && (await readFile(target, 'utf8')) === content) return;
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, target);
}

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts');
const produced = new Set();
const jobs = [];
for (const top of ['apps', 'libs']) {
  for await (const file of files(join(root, top), isSource)) {
    const target = join(out, relative(root, file).replace(/\.ts$/, '.js'));
    produced.add(target);
    produced.add(`${target}.map`);
    jobs.push(
      (async () => {
        const { code, map } = await transformFile(file, {
          ...swcrc,
          swcrc: false,
          sourceFileName: relative(dirname(target), file),
          filename: file,
        });
        await mkdir(dirname(target), { recursive: true });
        await writeIfChanged(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
        if (map) await writeIfChanged(`${target}.map`, map);
      })(),
    );
  }
}
jobs.push(buildDashboard());
await Promise.all(jobs);
// Drop outputs whose source is gone.
for await (const file of files(out, (name) => name.endsWith('.js') || name.endsWith('.js.map'))) {
  if (file.startsWith(join(out, 'dashboard')) || file.startsWith(join(out, 'widget'))) continue;
  if (!produced.has(file)) await rm(file, { force: true });
}
