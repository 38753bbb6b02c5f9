import { DomainError } from '../../common/src/index.js';

/** The caller's role in the tenant lacks a permission the route requires. */
export class MissingPermission extends DomainError {
  constructor(required: readonly string[]) {
    super('forbidden', 'missing_permission', `Missing permission: ${required.join(', ')}`);
  }
}
