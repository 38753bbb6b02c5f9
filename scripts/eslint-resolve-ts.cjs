// Import resolver for eslint-plugin-boundaries: our ESM sources import `./x.js`, which is `./x.ts`
// on disk. Packages are left to the node resolver that runs after this one.
const { existsSync } = require('node:fs');
const { dirname, resolve } = require('node:path');

exports.interfaceVersion = 2;
exports.resolve = (source, file) => {
  if (!source.startsWith('.')) return { found: false };
  const target = resolve(dirname(file), source);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target]) {
    if (existsSync(candidate)) return { found: true, path: candidate };
  }
  return { found: false };
};
