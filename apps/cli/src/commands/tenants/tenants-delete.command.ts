import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ConfirmationRequired, TenantLifecycleService } from '../../../../../libs/operations/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { progress } from '../../cli-progress.js';
import { exportJson } from './tenants-export.command.js';

interface DeleteOptions {
  export?: string;
  cascade?: boolean;
  yes?: boolean;
  json?: boolean;
}

/**
 * `tenantry tenants delete <slug> [--export <path>] [--cascade] [--yes]`: the hard delete. Asks
 * for the slug to be typed back unless --yes; without a terminal to ask, --yes is required.
 */
@SubCommand({
  name: 'delete',
  arguments: '<tenant>',
  description: 'HARD delete a tenant: export it first (--export), then drop its schema and role, its stored files and its public rows (audited)',
})
export class TenantsDeleteCommand extends CommandRunner {
  constructor(private readonly lifecycle: TenantLifecycleService) {
    super();
  }

  async run([key]: string[], options: DeleteOptions): Promise<void> {
    const tenant = await this.lifecycle.find(key ?? '');
    if (!options.yes) await this.confirm(tenant.slug);
    const bar = progress('delete', options);
    let steps = 0;
    const report = await this.lifecycle
      .hardDelete(tenant.id, {
        cascade: options.cascade === true,
        exportPath: options.export === undefined ? undefined : resolve(options.export),
        onStep: (label) => bar.step(++steps, steps, label),
      })
      .finally(() => bar.stop());
    if (options.json) printJson({ deleted: report.deleted, exports: report.exports.map(exportJson) });
    else {
      for (const e of report.exports) printLine(`exported ${e.slug} to ${e.path}`);
      for (const d of report.deleted) printLine(`deleted ${d.slug} (schema ${d.schema_name} dropped)`);
    }
  }

  private async confirm(slug: string): Promise<void> {
    if (!process.stdin.isTTY) throw new ConfirmationRequired(`deleting '${slug}' cannot be undone: pass --yes to confirm (no terminal to ask)`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`This drops tenant '${slug}' and all its data for good. Type the slug to confirm: `);
      if (answer.trim() !== slug) throw new ConfirmationRequired(`not confirmed: '${slug}' was not deleted`);
    } finally {
      rl.close();
    }
  }

  @Option({ flags: '--export <path>', description: 'write the tenant archive (tar.gz) here first; nothing is dropped if it fails' })
  parseExport(value: string): string {
    return value;
  }

  @Option({ flags: '--cascade', description: 'also delete every descendant tenant (refused otherwise while children exist)' })
  parseCascade(): boolean {
    return true;
  }

  @Option({ flags: '--yes', description: 'do not ask for confirmation (scripts)' })
  parseYes(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print {deleted, exports} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
