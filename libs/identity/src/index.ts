// Identity: users, password hashing, JWT issue and verification (passport), the auth routes.
// It knows nothing of tenants beyond listing a user's memberships.
export type { ApiKeyGrant, AuthUser, JwtClaims } from './auth-user.js';
export { widgetCorsHeaders } from './auth-user.js';
export { AccessGrantsRepository } from './access-grants.repository.js';
export { ApiKeyStrategy, apiKeyLivenessSql, apiKeyRefusalOr } from './api-key.strategy.js';
export type { PresentedKeyRow } from './access-grants.repository.js';
export { generateApiKey } from './api-key.util.js';
export { generateInvitationToken } from './invitation-token.util.js';
export { AuthService, toUserDto } from './auth.service.js';
export { IdentityCoreModule, IdentityModule } from './identity.module.js';
export { JwtAuthGuard } from './jwt-auth.guard.js';
export { INVITATION_LOOKUP } from './registration-policy.js';
export type { InvitationLookup } from './registration-policy.js';
export { userEventsChannel } from './user-events.js';
export type { UserChanged } from './user-events.js';
export { UsersRepository } from './users.repository.js';
export { UsersService } from './users.service.js';
export * from './identity.errors.js';
