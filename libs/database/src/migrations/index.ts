import { Initial1700000000000 } from './1700000000000-initial.js';
import { UserTokenVersion1700000000100 } from './1700000000100-user-token-version.js';

/** Public-schema migrations, in order (TypeORM migrations; listed, not globbed, for ESM). */
export const PUBLIC_MIGRATIONS = [
  Initial1700000000000,
  UserTokenVersion1700000000100,
];
