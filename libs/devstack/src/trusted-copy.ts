import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, cp, lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StackError } from './stack-error.js';

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Whether only root can have changed `dir`'s entries: root owns it and nobody else may write
 * it. A root-owned sticky directory (/tmp) passes: others can add entries to it but can
 * neither replace nor rename root's.
 */
async function rootOnly(dir: string): Promise<boolean> {
  const s = await stat(dir);
  return s.uid === 0 && ((s.mode & GROUP_OR_OTHER_WRITE) === 0 || (s.mode & STICKY) !== 0);
}

/** Every entry under `dir` (itself included) is root's and writable by root only. */
async function treeIsRootOnly(dir: string): Promise<boolean> {
  const s = await lstat(dir);
  if (s.uid !== 0) return false;
  if (s.isSymbolicLink()) return true; // a link's own mode is meaningless; who could create it is what counts
  if ((s.mode & GROUP_OR_OTHER_WRITE) !== 0) return false;
  if (!s.isDirectory()) return true;
  for (const name of await readdir(dir)) if (!(await treeIsRootOnly(join(dir, name)))) return false;
  return true;
}

/**
 * Whether `target` is a copy of `source` that no user but root could have planted or changed:
 * a real directory (not a link), root's all the way up from / and all the way down, with
 * the same `checkedFiles` (sha256) as the source.
 */
export async function isTrustedCopy(source: string, target: string, checkedFiles: string[]): Promise<boolean> {
  try {
    if (!(await lstat(target)).isDirectory()) return false;
    const real = await realpath(target);
    for (let dir = dirname(real); ; dir = dirname(dir)) {
      if (!(await rootOnly(dir))) return false;
      if (dirname(dir) === dir) break;
    }
    if (!(await treeIsRootOnly(real))) return false;
    for (const file of checkedFiles) if ((await sha256(join(source, file))) !== (await sha256(join(real, file)))) return false;
    return true;
  } catch {
    return false;
  }
}

async function dropGroupOtherWrite(path: string): Promise<void> {
  const s = await lstat(path);
  if (s.isSymbolicLink()) return;
  if ((s.mode & GROUP_OR_OTHER_WRITE) !== 0) await chmod(path, s.mode & 0o7755);
  if (s.isDirectory()) for (const name of await readdir(path)) await dropGroupOtherWrite(join(path, name));
}

/**
 * A copy of the `source` directory at `target`, readable by all and writable by root only
 * (we run as root). An existing copy is reused only if isTrustedCopy() says so; anything else
 * there (planted by another user, tampered with, half-written) is replaced.
 */
export async function trustedCopy(source: string, target: string, checkedFiles: string[]): Promise<string> {
  if (await isTrustedCopy(source, target, checkedFiles)) return target;
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  const staging = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await cp(source, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await dropGroupOtherWrite(staging);
    // Another `npm start` may have made a good copy meanwhile, and may be running it.
    if (await isTrustedCopy(source, target, checkedFiles)) return target;
    await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(() => undefined); // another process may have won the race: verified below
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!(await isTrustedCopy(source, target, checkedFiles))) {
    throw new StackError(`cannot make a trusted copy of the PostgreSQL binaries in ${target}: every directory above it must be root's and writable by root only`);
  }
  return target;
}
