// Root runs the PostgreSQL binaries from its copy: a copy anyone else could have planted or
// changed must never be used.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTrustedCopy, trustedCopy } from './trusted-copy.js';

const checked = ['bin/postgres', 'bin/initdb'];
const asRoot = process.getuid?.() === 0;
let root: string;
let source: string;
let target: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tenantry-copy-'));
  source = join(root, 'native');
  mkdirSync(join(source, 'bin'), { recursive: true });
  mkdirSync(join(source, 'lib'));
  writeFileSync(join(source, 'bin', 'postgres'), 'the real postgres', { mode: 0o755 });
  writeFileSync(join(source, 'bin', 'initdb'), 'the real initdb', { mode: 0o755 });
  writeFileSync(join(source, 'lib', 'libpq.so'), 'a library', { mode: 0o644 });
  target = join(root, 'pg-bin', '18.0');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const postgresIn = (dir: string) => readFileSync(join(dir, 'bin', 'postgres'), 'utf8');

describe.skipIf(!asRoot)('trustedCopy (as root)', () => {
  it('copies the binaries readable by all, writable by root only, and reuses a good copy', async () => {
    expect(await trustedCopy(source, target, checked)).toBe(target);
    expect(postgresIn(target)).toBe('the real postgres');
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(await isTrustedCopy(source, target, checked)).toBe(true);
    const inode = statSync(join(target, 'bin', 'postgres')).ino;
    await trustedCopy(source, target, checked);
    expect(statSync(join(target, 'bin', 'postgres')).ino).toBe(inode);
  });

  it('a copy whose bin/postgres differs from the original is replaced', async () => {
    await trustedCopy(source, target, checked);
    writeFileSync(join(target, 'bin', 'postgres'), 'a planted postgres');
    expect(await isTrustedCopy(source, target, checked)).toBe(false);
    await trustedCopy(source, target, checked);
    expect(postgresIn(target)).toBe('the real postgres');
  });

  it('a copy planted by another user, or with a file another user owns or may write, is replaced', async () => {
    const plant = (change: () => void) => {
      rmSync(target, { recursive: true, force: true });
      mkdirSync(join(target, 'bin'), { recursive: true });
      mkdirSync(join(target, 'lib'));
      writeFileSync(join(target, 'bin', 'postgres'), 'the real postgres', { mode: 0o755 });
      writeFileSync(join(target, 'bin', 'initdb'), 'the real initdb', { mode: 0o755 });
      writeFileSync(join(target, 'lib', 'libpq.so'), 'a library', { mode: 0o644 });
      change();
    };
    for (const change of [
      () => chownSync(target, 12345, 12345),
      () => chownSync(join(target, 'lib', 'libpq.so'), 12345, 12345),
      () => chmodSync(join(target, 'lib'), 0o777),
      () => chmodSync(join(target, 'bin', 'initdb'), 0o775),
    ]) {
      plant(change);
      expect(await isTrustedCopy(source, target, checked)).toBe(false);
      await trustedCopy(source, target, checked);
      expect(statSync(target).uid).toBe(0);
      expect(statSync(join(target, 'lib', 'libpq.so')).uid).toBe(0);
      expect(statSync(join(target, 'lib')).mode & 0o777).toBe(0o755);
      expect(await isTrustedCopy(source, target, checked)).toBe(true);
    }
  });

  it('a link in place of the copy, or a parent directory another user owns or may write, is not trusted', async () => {
    const elsewhere = join(root, 'elsewhere');
    await trustedCopy(source, elsewhere, checked);
    mkdirSync(join(root, 'pg-bin'));
    symlinkSync(elsewhere, target);
    expect(await isTrustedCopy(source, target, checked)).toBe(false);
    await trustedCopy(source, target, checked);
    expect(statSync(target).isDirectory()).toBe(true);
    expect(await isTrustedCopy(source, target, checked)).toBe(true);

    chownSync(join(root, 'pg-bin'), 12345, 12345);
    expect(await isTrustedCopy(source, target, checked)).toBe(false);
    await expect(trustedCopy(source, target, checked)).rejects.toThrow(/every directory above it must be root's/);
    chownSync(join(root, 'pg-bin'), 0, 0);
    chmodSync(join(root, 'pg-bin'), 0o777);
    expect(await isTrustedCopy(source, target, checked)).toBe(false);
  });
});
