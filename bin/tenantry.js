#!/usr/bin/env node
// The admin CLI: `npx tenantry <command>` (see README). Runs the compiled CLI app.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  console.error('error: the CLI is not built yet; run `npm run build` first');
  process.exit(1);
}
await import(entry);
