import { DomainError } from '../../common/src/index.js';

/** A hard delete of a tenant that still has child tenants, without --cascade. */
export class TenantHasChildren extends DomainError {
  constructor(slug: string, children: number) {
    super('conflict', 'tenant_has_children', `Tenant '${slug}' has ${children} descendant tenant(s); delete them first or pass --cascade`, { children });
  }
}

/** A destructive command run without --yes where nobody can be asked (no terminal), or answered no. */
export class ConfirmationRequired extends DomainError {
  constructor(message: string) {
    super('bad_request', 'confirmation_required', message);
  }
}

/** An export would overwrite an existing file. */
export class ExportPathExists extends DomainError {
  constructor(path: string) {
    super('conflict', 'export_path_exists', `${path} already exists; choose another --out/--export path`);
  }
}
