// Proves the boundary rules of eslint.config.js bite: planted imports are linted as if they
// were files inside the repository, with only the boundaries rules running (no type program needed).
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: join(root, 'eslint.config.js'),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId.startsWith('boundaries/'),
});

const DEEP = 'boundaries/dependencies: import another lib only through its src/index.ts';
const ARROWS = 'boundaries/dependencies: this import goes against the dependency arrows of DESIGN.md (LIB_DEPS in eslint.config.js)';

async function violations(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  return result!.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('architecture lint', () => {
  it("reports a deep import into another lib's internals", async () => {
    const found = await violations('libs/database/src/planted.ts', "import { ConfigModule } from '../../config/src/config.module.js';\n");
    expect(found).toEqual([DEEP]);
  });

  it('reports an import against the arrows (database -> tenancy)', async () => {
    const found = await violations('libs/database/src/planted.ts', "import { TenancyModule } from '../../tenancy/src/index.js';\n");
    expect(found).toEqual([ARROWS]);
  });

  it('reports a re-export against the arrows (config -> database)', async () => {
    const found = await violations('libs/config/src/planted.ts', "export { TenantDb } from '../../database/src/index.js';\n");
    expect(found).toEqual([ARROWS]);
  });

  it('reports a ../../../ escape into internals and against the arrows', async () => {
    expect(await violations('libs/tenancy/src/provisioning/planted.ts', "import { AppConfig } from '../../../../libs/config/src/app-config.js';\n")).toEqual([
      DEEP,
    ]);
    expect(await violations('libs/rbac/src/planted.ts', "import { TenantsService } from '../../../libs/tenancy/src/index.js';\n")).toEqual([
      ARROWS,
    ]);
  });

  it('reports a lib importing an app', async () => {
    const found = await violations('libs/corpus/src/planted.ts', "import { AppModule } from '../../../apps/api/src/app.module.js';\n");
    expect(found).toEqual([ARROWS]);
  });

  it('reports a lib importing a lib that has no entry in the dependency list', async () => {
    const found = await violations('libs/unlisted/src/planted.ts', "import { AppConfig } from '../../config/src/index.js';\n");
    expect(found).toEqual([ARROWS]);
  });

  it('accepts imports along the arrows through index.ts, and within a lib', async () => {
    const legal = [
      "import { AppConfig } from '../../config/src/index.js';",
      "import { DomainError } from '../../common/src/index.js';",
      "import { TenantDb } from '../../database/src/index.js';",
      "import { P } from '../../rbac/src/index.js';",
      "import { TenancyModule } from '../../tenancy/src/index.js';",
      "import { REDIS } from '../../redis/src/index.js';",
      "import { DocumentEntity } from './document.entity.js';",
      "import { Injectable } from '@nestjs/common';",
    ].join('\n');
    expect(await violations('libs/corpus/src/planted.ts', `${legal}\n`)).toEqual([]);
    expect(await violations('apps/api/src/planted.ts', "import { CorpusModule } from '../../../libs/corpus/src/index.js';\nimport { AppModule } from './app.module.js';\n")).toEqual([]);
  });
});
