import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { LRUCache } from 'lru-cache';
import { DataSource, type EntityManager } from 'typeorm';
import { isPlainObject, ValidationFailed } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { envelopeKeyId, EnvelopeError, masterKeyId, newDataKey, open, seal } from './envelope.js';
import { getPath, isSealed, isSecretPath, MAX_SECRET_LENGTH, SECRET_SET, secretEntries, withPath } from './secret-paths.js';
import { BadMasterKey, SecretKeyPruned, SecretUnreadable } from './secrets.errors.js';
import {
  insertKey,
  keyedTenants,
  keyVersion,
  latestKey,
  lockKeys,
  lockTenantSettings,
  pinKeys,
  rewrapKey,
  storeTenantSettings,
  type TenantKeyRow,
  tenantSettings,
} from './tenant-keys.repository.js';

/** What one `keys rotate` did. */
export interface RotationResult {
  tenants: number;
  /** Data keys now wrapped under the target master key (already there: not counted). */
  rewrapped: number;
  /** Tenants given a new data key (with --tenant). */
  new_keys: number;
  /** Secrets re-encrypted under a new data key. */
  reencrypted: number;
}

function removeSecrets(settings: Record<string, unknown>, which: (value: unknown) => boolean): Record<string, unknown> {
  let stripped = settings;
  for (const { path } of secretEntries(settings).filter((e) => which(e.value)).reverse()) {
    const parentPath = path.slice(0, -1);
    const parent = { ...(getPath(stripped, parentPath) as Record<string, unknown>) };
    delete parent[path.at(-1)!];
    stripped = parentPath.length === 0 ? parent : withPath(stripped, parentPath, parent);
  }
  return stripped;
}

const keyIdOf = (version: number): string => `v${version}`;
const versionOf = (keyId: string): number => (/^v[1-9]\d{0,8}$/.test(keyId) ? Number(keyId.slice(1)) : NaN);
const wrapContext = (tenantId: string, version: number): string => `tenant-key:${tenantId}:${version}`;
const secretContext = (tenantId: string, path: readonly string[]): string => `secret:${tenantId}:${path.join('.')}`;

/** The data key versions the sealed secrets of `settings` name (an envelope that names none is left out). */
export function sealedKeyVersions(settings: unknown): number[] {
  const versions = new Set<number>();
  for (const { value } of secretEntries(settings)) {
    if (!isSealed(value)) continue;
    try {
      const version = versionOf(envelopeKeyId(value.$enc));
      if (!Number.isNaN(version)) versions.add(version);
    } catch {
      // not an envelope: unreadable whatever the keys
    }
  }
  return [...versions].sort((a, b) => a - b);
}

/** Data keys unwrapped recently: a bounded LRU with a short TTL (never logged, never serialised). */
const DATA_KEY_CACHE = { max: 1000, ttl: 5 * 60_000 };

/**
 * Per-tenant envelope encryption of secret settings. Each tenant has data keys (versions in
 * public.tenant_keys), each wrapped by the master key; a secret is sealed by the tenant's
 * latest data key, and its envelope names the version, so a secret sealed before a rotation
 * stays readable until it is re-encrypted (old versions are kept).
 */
@Injectable()
export class TenantSecrets {
  private readonly cache = new LRUCache<string, Buffer>(DATA_KEY_CACHE);
  private keyring?: { wrapWith: { id: string; key: Buffer }; masters: Map<string, Buffer> };

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** The master keys this process can unwrap with, by fingerprint, and the one that wraps (read on first use: a process that never touches a secret needs none). */
  private get ring(): { wrapWith: { id: string; key: Buffer }; masters: Map<string, Buffer> } {
    if (!this.keyring) {
      const current = this.config.masterKey;
      const masters = new Map([current, ...this.config.previousMasterKeys].map((key) => [masterKeyId(key), key] as const));
      this.keyring = { wrapWith: { id: masterKeyId(current), key: current }, masters };
    }
    return this.keyring;
  }

  /**
   * The settings to store after a merge patch (`before` as stored, `after` merged): each secret
   * given as a string is sealed; one left as stored stays; anything else at a secret path is a 400.
   */
  async sealSettings(tenantId: string, before: Record<string, unknown>, after: Record<string, unknown>): Promise<Record<string, unknown>> {
    const problems = this.problems(before, after);
    if (problems.length > 0) throw new ValidationFailed('invalid settings', problems);
    const fresh = secretEntries(after).filter((e): e is { path: string[]; value: string } => typeof e.value === 'string');
    if (fresh.length === 0) return after;
    const { version, key } = await this.currentDataKey(tenantId);
    let sealed = after;
    for (const { path, value } of fresh) {
      sealed = withPath(sealed, path, { $enc: seal(key, keyIdOf(version), Buffer.from(value), secretContext(tenantId, path)) });
    }
    return sealed;
  }

  /**
   * In the transaction that stores `settings`: the data keys its secrets were sealed with are
   * locked against `tenantry keys prune` until the commit; if one was pruned meanwhile (a seal
   * that raced a rotation and a prune), 409 `secret_key_pruned` and nothing is stored.
   */
  async assertKeysPresent(m: EntityManager, tenantId: string, settings: unknown): Promise<void> {
    const versions = sealedKeyVersions(settings);
    const present = await pinKeys(m, tenantId, versions);
    if (present.length < versions.length) throw new SecretKeyPruned();
  }

  /** Secrets in `after` that are neither a new value (a string) nor left as stored in `before`, as `{field, message}`. */
  problems(before: Record<string, unknown>, after: Record<string, unknown>): Array<{ field: string; message: string }> {
    return secretEntries(after)
      .filter(({ path, value }) => !(typeof value === 'string' && value.length > 0 && value.length <= MAX_SECRET_LENGTH) && !(isSealed(value) && isDeepStrictEqual(value, getPath(before, path))))
      .map(({ path }) => ({ field: `settings.${path.join('.')}`, message: `must be a string of 1-${MAX_SECRET_LENGTH} characters (a secret; null removes it)` }));
  }

  /** Settings without their secrets (for a tenant that does not exist yet: no key to seal with). */
  withoutSecrets(settings: Record<string, unknown>): Record<string, unknown> {
    return removeSecrets(settings, () => true);
  }

  /**
   * A merge patch without the `{"set": true}` a client copied from an answer: that secret stays
   * as stored (so GET, edit, PATCH back works).
   */
  withoutMasks(patch: unknown, stored: Record<string, unknown> = {}): unknown {
    if (!isPlainObject(patch)) return patch;
    // A list (webhooks) is replaced whole by a merge patch, so dropping the mask would drop the
    // secret: there the mask keeps the stored secret of the same entry (same index, same url).
    let kept = patch;
    for (const { path, value } of secretEntries(patch)) {
      if (!isDeepStrictEqual(value, SECRET_SET) || !path.some((part) => /^\d+$/.test(part))) continue;
      const storedValue = getPath(stored, path);
      const sameEntry = isDeepStrictEqual(getPath(patch, [...path.slice(0, -1), 'url']), getPath(stored, [...path.slice(0, -1), 'url']));
      if (isSealed(storedValue) && sameEntry) kept = withPath(kept, path, storedValue);
    }
    return removeSecrets(kept, (value) => isDeepStrictEqual(value, SECRET_SET));
  }

  /**
   * A secret in plain text, for the code that uses it (SSO, an LLM provider, Stripe): `path` is
   * dotted (`sso.client_secret`, `providers.openai.api_key`). Undefined when it is not set.
   */
  async read(tenantId: string, path: string): Promise<string | undefined> {
    const parts = path.split('.');
    if (!isSecretPath(parts)) throw new Error(`${path} is not a secret setting`);
    const value = getPath(await tenantSettings(this.dataSource.manager, tenantId), parts);
    if (value === undefined) return undefined;
    if (!isSealed(value)) throw new SecretUnreadable(`settings.${path} of tenant ${tenantId} (not sealed)`);
    return (await this.openSecret(this.dataSource.manager, tenantId, parts, value.$enc)).toString('utf8');
  }

  private async openSecret(m: EntityManager, tenantId: string, path: readonly string[], envelope: string): Promise<Buffer> {
    const what = `settings.${path.join('.')} of tenant ${tenantId}`;
    let version: number;
    try {
      version = versionOf(envelopeKeyId(envelope));
    } catch {
      throw new SecretUnreadable(what);
    }
    const row = Number.isNaN(version) ? undefined : await keyVersion(m, tenantId, version);
    if (!row) throw new SecretUnreadable(`${what} (its data key v${version} is missing)`);
    try {
      return open(this.unwrap(row), envelope, secretContext(tenantId, path));
    } catch (error) {
      if (error instanceof EnvelopeError) throw new SecretUnreadable(what);
      throw error;
    }
  }

  /** The tenant's latest data key, created (version 1) on first use. */
  private async currentDataKey(tenantId: string): Promise<{ version: number; key: Buffer }> {
    const m = this.dataSource.manager;
    let row = await latestKey(m, tenantId);
    if (!row) {
      // Two first writes at once: one insert wins, and both use the winner's key.
      await insertKey(m, this.wrap(tenantId, 1, newDataKey()));
      row = await latestKey(m, tenantId);
    }
    if (!row) throw new Error(`tenant ${tenantId}: no data key after creating one`);
    return { version: row.key_version, key: this.unwrap(row) };
  }

  private wrap(tenantId: string, version: number, dataKey: Buffer, master = this.ring.wrapWith): TenantKeyRow {
    return { tenant_id: tenantId, key_version: version, wrapped_key: seal(master.key, master.id, dataKey, wrapContext(tenantId, version)) };
  }

  private unwrap(row: TenantKeyRow): Buffer {
    const cacheKey = `${row.tenant_id}:${row.key_version}:${row.wrapped_key}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const what = `data key v${row.key_version} of tenant ${row.tenant_id}`;
    let masterId: string;
    try {
      masterId = envelopeKeyId(row.wrapped_key);
    } catch {
      throw new SecretUnreadable(what);
    }
    const master = this.ring.masters.get(masterId);
    if (!master) throw new SecretUnreadable(`${what} (wrapped by master key ${masterId})`);
    try {
      const key = open(master, row.wrapped_key, wrapContext(row.tenant_id, row.key_version));
      this.cache.set(cacheKey, key);
      return key;
    } catch (error) {
      if (error instanceof EnvelopeError) throw new SecretUnreadable(what);
      throw error;
    }
  }

  /**
   * `tenantry keys rotate`: re-wraps data keys under `newMaster` (default: MASTER_KEY), one
   * tenant per transaction; keys already under it are left alone, so a run that stopped half way
   * is finished by running it again. With `tenantId`, that tenant alone, and it also gets a new
   * data key that its secrets are re-encrypted with, in the same transaction (its row locked, so
   * no PATCH interleaves); earlier versions are kept, so a secret sealed by anything that raced
   * the rotation stays readable.
   */
  async rotate(options: { newMaster?: Buffer; tenantId?: string } = {}): Promise<RotationResult> {
    const { wrapWith, masters } = this.ring;
    const target = options.newMaster ? { id: masterKeyId(options.newMaster), key: options.newMaster } : wrapWith;
    if (options.newMaster && masters.has(target.id) && target.id !== wrapWith.id) {
      throw new BadMasterKey('the new master key is one of MASTER_KEY_PREVIOUS: give a fresh key');
    }
    // This process (the CLI) may then unwrap what it wraps, to re-encrypt within the same run.
    masters.set(target.id, target.key);
    const result: RotationResult = { tenants: 0, rewrapped: 0, new_keys: 0, reencrypted: 0 };
    const tenants = options.tenantId ? [options.tenantId] : await keyedTenants(this.dataSource.manager);
    for (const tenantId of tenants) {
      await this.dataSource.transaction(async (m) => {
        const settings = options.tenantId ? await lockTenantSettings(m, tenantId) : undefined;
        const keys = await lockKeys(m, tenantId);
        for (const row of keys) {
          if (envelopeKeyId(row.wrapped_key) === target.id) continue;
          await rewrapKey(m, this.wrap(tenantId, row.key_version, this.unwrap(row), target));
          result.rewrapped++;
        }
        if (settings) {
          const version = (keys.at(-1)?.key_version ?? 0) + 1;
          const dataKey = newDataKey();
          await insertKey(m, this.wrap(tenantId, version, dataKey, target));
          result.new_keys++;
          let resealed = settings;
          for (const { path, value } of secretEntries(settings)) {
            if (!isSealed(value)) continue;
            const plain = await this.openSecret(m, tenantId, path, value.$enc);
            resealed = withPath(resealed, path, { $enc: seal(dataKey, keyIdOf(version), plain, secretContext(tenantId, path)) });
            result.reencrypted++;
          }
          await storeTenantSettings(m, tenantId, resealed);
        }
      });
      result.tenants++;
    }
    return result;
  }
}
