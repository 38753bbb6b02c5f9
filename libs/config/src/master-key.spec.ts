import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { ensureMasterKeyFile, masterKeyFile, parseMasterKey } from './master-key.js';

const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: 'q8Vz3kP0xN7mR2tB5wY9cL4hJ6fD1sGa' };
const RANDOM = randomBytes(32);

describe('MASTER_KEY', () => {
  it('is 32 bytes as base64, base64url or hex; anything else is refused', () => {
    for (const text of [RANDOM.toString('base64'), RANDOM.toString('base64url'), RANDOM.toString('hex'), ` ${RANDOM.toString('hex')}\n`]) {
      expect(parseMasterKey(text)?.equals(RANDOM)).toBe(true);
    }
    for (const text of ['', 'short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), randomBytes(33).toString('base64')]) {
      expect(parseMasterKey(text)).toBeUndefined();
    }
    expect(() => loadConfig({ ...base, MASTER_KEY: 'not-a-key' })).toThrow(/MASTER_KEY must be 32 bytes/);
  });

  it('is required in production, and a published or patterned one is refused', () => {
    const prod = (env: Record<string, string>) => () => loadConfig({ ...base, DATA_DIR: '/nonexistent-tenantry', NODE_ENV: 'production', ...env });
    expect(prod({})).toThrow(/MASTER_KEY is required when NODE_ENV=production/);
    expect(prod({ MASTER_KEY: Buffer.alloc(32).toString('base64') })).toThrow(/MASTER_KEY is not safe for production: it is published/);
    expect(prod({ MASTER_KEY: Buffer.alloc(32, 'ab').toString('hex') })).toThrow(/MASTER_KEY is not safe for production: it has fewer than 8 distinct bytes/);
    expect(prod({ MASTER_KEY: RANDOM.toString('base64') })().masterKey.equals(RANDOM)).toBe(true);
  });

  it('outside production, defaults to DATA_DIR/master.key: created once with mode 0600, reused, refused when others may read it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-master-key-'));
    expect(() => loadConfig({ ...base, DATA_DIR: dataDir }).masterKey).toThrow(/MASTER_KEY is not set/);
    const first = ensureMasterKeyFile(dataDir);
    expect(statSync(masterKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(ensureMasterKeyFile(dataDir)).toBe(first);
    expect(parseMasterKey(readFileSync(masterKeyFile(dataDir), 'utf8'))?.toString('base64')).toBe(first);
    expect(loadConfig({ ...base, DATA_DIR: dataDir }).masterKey.toString('base64')).toBe(first);
    // The environment wins over the file.
    expect(loadConfig({ ...base, DATA_DIR: dataDir, MASTER_KEY: RANDOM.toString('hex') }).masterKey.equals(RANDOM)).toBe(true);

    chmodSync(masterKeyFile(dataDir), 0o644);
    expect(() => loadConfig({ ...base, DATA_DIR: dataDir })).toThrow(/master\.key is readable by group or others \(mode 0644\)/);
    expect(() => ensureMasterKeyFile(dataDir)).toThrow(/readable by group or others/);
  });
});
