import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Bytes of a master key (AES-256). */
export const MASTER_KEY_BYTES = 32;

/**
 * Master keys anyone can read: the all-zero and all-ones keys (placeholders). Production refuses them, since whoever knows the master key can unwrap every
 * tenant's data key.
 */
export const PUBLISHED_MASTER_KEYS: ReadonlySet<string> = new Set([
  Buffer.alloc(MASTER_KEY_BYTES).toString('hex'),
  Buffer.alloc(MASTER_KEY_BYTES, 0xff).toString('hex'),
]);

/** A master key as 32 bytes from base64 (standard or url-safe) or hex text; undefined when it is neither. */
export function parseMasterKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === MASTER_KEY_BYTES ? bytes : undefined;
}

/** Why `key` must not wrap production data keys, or undefined when it may. */
export function weakMasterKeyReason(key: Buffer): string | undefined {
  if (PUBLISHED_MASTER_KEYS.has(key.toString('hex'))) return 'it is published (an example or test value)';
  if (new Set(key).size < 8) return 'it has fewer than 8 distinct bytes (not random)';
  return undefined;
}

export function masterKeyFile(dataDir: string): string {
  return join(resolve(dataDir), 'master.key');
}

/**
 * Reads a master key file, refusing one that group or others may read (or write): a key file
 * anyone on the machine can read is no secret. Throws with a readable message.
 */
export function readMasterKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
  }
  const key = parseMasterKey(readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file} does not hold a master key (32 bytes as base64 or hex)`);
  return key;
}

/**
 * The embedded default: DATA_DIR/master.key, created once (mode 0600, exclusively, so two
 * starts never write different keys) and reused. Returns the key as base64.
 */
export function ensureMasterKeyFile(dataDir: string): string {
  const file = masterKeyFile(dataDir);
  if (!existsSync(file)) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readMasterKeyFile(file).toString('base64');
}
