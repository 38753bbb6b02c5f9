import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { resolve } from 'node:path';
import { ValidationFailed } from '../../../../../libs/common/src/index.js';
import { type FileExport, TenantLifecycleService } from '../../../../../libs/operations/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { progress } from '../../cli-progress.js';

interface ExportOptions {
  out?: string;
  json?: boolean;
}

/** The `--json` shape of an export: where, how big, what is in it. */
export function exportJson(e: FileExport) {
  return {
    slug: e.slug,
    path: e.path,
    format: e.manifest.format,
    tables: e.manifest.tables.map((t) => ({ name: t.name, rows: t.rows })),
    public_tables: e.manifest.public_tables.map((t) => ({ name: t.name, rows: t.rows })),
    files: e.manifest.files.length,
  };
}

@SubCommand({ name: 'export', arguments: '<tenant>', description: 'write a tenant (slug or id) to a tar.gz: NDJSON per table, its public rows, its stored files, a manifest' })
export class TenantsExportCommand extends CommandRunner {
  constructor(private readonly lifecycle: TenantLifecycleService) {
    super();
  }

  async run([key]: string[], options: ExportOptions): Promise<void> {
    if (!options.out) throw new ValidationFailed('--out <path> is required');
    const tenant = await this.lifecycle.find(key ?? '');
    const bar = progress('export', options);
    let steps = 0;
    let result: FileExport;
    try {
      result = await this.lifecycle.exportToFile(tenant, resolve(options.out), (label) => bar.step(++steps, steps, label));
    } finally {
      bar.stop();
    }
    if (options.json) printJson(exportJson(result));
    else {
      const rows = result.manifest.tables.reduce((n, t) => n + t.rows, 0);
      printLine(`tenant ${result.slug} exported to ${result.path}: ${result.manifest.tables.length} tables (${rows} rows), ${result.manifest.files.length} files`);
    }
  }

  @Option({ flags: '--out <path>', description: 'the archive to write (must not exist)' })
  parseOut(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {slug, path, tables, public_tables, files} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
