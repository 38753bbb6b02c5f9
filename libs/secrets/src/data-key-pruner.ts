import { Injectable } from '@nestjs/common';
import { OwnerDb } from '../../database/src/index.js';
import { deleteKeys, keyedTenants, lockKeys, lockTenantSettingsIfAny } from './tenant-keys.repository.js';
import { sealedKeyVersions } from './tenant-secrets.js';

/** What one `keys prune` did. */
export interface PruneResult {
  tenants: number;
  /** Data key versions deleted: no secret names them, and a newer one exists. */
  deleted: number;
  /** Versions kept: each tenant's latest, and every version a stored secret names. */
  kept: number;
}

/**
 * `tenantry keys prune`: deletes the data keys of earlier rotations that no stored secret needs
 * any more, one tenant per transaction as the owner role (the runtime role may not delete keys).
 * The tenant's row is locked first, so the settings it reads are the last committed ones; a
 * settings write that sealed with a version deleted here finds it gone at its own commit
 * (TenantSecrets.assertKeysPresent, which locks the versions it names against this DELETE) and
 * stores nothing. The latest version always stays: it is the one new secrets are sealed with.
 */
@Injectable()
export class DataKeyPruner {
  constructor(private readonly owner: OwnerDb) {}

  async prune(options: { tenantId?: string } = {}): Promise<PruneResult> {
    const result: PruneResult = { tenants: 0, deleted: 0, kept: 0 };
    const tenants = options.tenantId ? [options.tenantId] : await this.owner.transaction((runner) => keyedTenants(runner.manager));
    for (const tenantId of tenants) {
      await this.owner.transaction(async ({ manager: m }) => {
        const settings = await lockTenantSettingsIfAny(m, tenantId); // undefined: deleted meanwhile, its keys with it
        if (settings === undefined) return;
        const versions = (await lockKeys(m, tenantId)).map((k) => k.key_version);
        const needed = new Set([...sealedKeyVersions(settings), Math.max(...versions)]);
        const unused = versions.filter((v) => !needed.has(v));
        await deleteKeys(m, tenantId, unused);
        result.deleted += unused.length;
        result.kept += versions.length - unused.length;
      });
      result.tenants++;
    }
    return result;
  }
}
