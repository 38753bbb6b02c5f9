// Identity: users, password hashing, JWT issue and verification (passport), the auth routes.
// It knows nothing of tenants beyond listing a user's memberships.
export type { AuthUser, JwtClaims } from './auth-user.js';
export { AuthService, toUserDto } from './auth.service.js';
export { IdentityCoreModule, IdentityModule } from './identity.module.js';
export { JwtAuthGuard } from './jwt-auth.guard.js';
export { UsersRepository } from './users.repository.js';
