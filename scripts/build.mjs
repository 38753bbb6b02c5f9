// Compiles apps/ and libs/ to dist/ with SWC (type checking is `npm run lint`).
// One pass over the sources takes about a second, so `npm start` and `npm test` always run fresh code.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

await rm(out, { recursive: true, force: true });
const jobs = [];
for (const top of ['apps', 'libs']) {
  for await (const file of sources(join(root, top))) {
    jobs.push((async () => {
      const rel = relative(root, file);
      const target = join(out, rel.replace(/\.ts$/, '.js'));
      const { code, map } = await transformFile(file, { ...swcrc, swcrc: false, sourceFileName: relative(dirname(target), file), filename: file });
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
      if (map) await writeFile(`${target}.map`, map);
    })());
  }
}
await Promise.all(jobs);
