import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { AuditLog } from '../../../audit/src/index.js';
import { DomainError } from '../../../common/src/index.js';
import { AppConfig } from '../../../config/src/index.js';
import { AuthService, UsersRepository } from '../../../identity/src/index.js';
import type { MemberRole } from '../../../database/src/index.js';
import { TenantSecrets } from '../../../secrets/src/index.js';
import { TenantEvents } from '../context/tenant-events.js';
import { MembersRepository } from '../members/members.repository.js';
import { slugProblem } from '../tenants/slug.util.js';
import { type TenantRow, TenantsRepository } from '../tenants/tenants.repository.js';
import {
  MemberLimitReached,
  SsoAccountExists,
  SsoEmailRefused,
  SsoFailed,
  SsoHandoffMissing,
  SsoNotConfigured,
  SsoProviderUnavailable,
  TenantNotReady,
  TenantSuspended,
} from '../tenancy.errors.js';
import { isLoopbackUrl, type SsoSettings, ssoSettingsOf } from './sso-settings.js';
import { type SsoPending, SsoStateStore, ssoDigest } from './sso-state.store.js';
import { SsoRepository } from './sso.repository.js';

/** The token answer of a login (AuthService.issueToken). */
export type SsoToken = Awaited<ReturnType<AuthService['issueToken']>>;

/**
 * How a callback ends: for an API client the token (JSON, as a password login answers); for a
 * login the dashboard began, its token or its refusal, handed to the browser that began it.
 */
export type SsoOutcome = { to: 'api'; token: SsoToken } | { to: 'app'; token: SsoToken } | { to: 'app'; error: DomainError };

const PROVIDER_TIMEOUT_S = 10;
/** Discovered provider configurations (with their JWKS cache), by tenant and settings. */
const CONFIG_CACHE = { max: 500, ttl: 5 * 60_000 };

interface Configured {
  tenant: TenantRow;
  sso: SsoSettings;
  config: oidc.Configuration;
}

/** A network failure or a timeout talking to the provider (not a refusal by it). */
function unreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || (e instanceof TypeError && /fetch failed/i.test(e.message))) return true;
    if ('code' in e && typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT)$/.test(e.code)) return true;
  }
  return false;
}

/**
 * Per-tenant single sign-on with OpenID Connect (issue 15, seed 001), the authorization code
 * flow with state, nonce and PKCE (S256) through openid-client 6, its ID-token signature
 * checks enabled (the token endpoint's ID token is verified against the provider's JWKS, then
 * its issuer, audience, expiry and nonce). The login ends with the token a password login
 * gives. An identity (issuer, subject) is linked to one user; a new email gets a user without
 * a password; an email that already has an account not linked to this identity is refused
 * (the tenant's admins choose its provider: trusting its word for an existing account would
 * let them sign in as anyone).
 */
@Injectable()
export class SsoService {
  private readonly logger = new Logger(SsoService.name);
  private readonly configs = new LRUCache<string, oidc.Configuration>(CONFIG_CACHE);

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly secrets: TenantSecrets,
    private readonly states: SsoStateStore,
    private readonly repo: SsoRepository,
    private readonly members: MembersRepository,
    private readonly users: UsersRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditLog,
    private readonly events: TenantEvents,
    private readonly appConfig: AppConfig,
  ) {}

  redirectUri(slug: string): string {
    return `${this.appConfig.PUBLIC_URL.replace(/\/+$/, '')}/api/v1/auth/sso/${slug}/callback`;
  }

  /**
   * The provider's authorization URL for a new login into the tenant (its state kept for the
   * callback). `dashboard`: the dashboard begins it in a browser holding this cookie value; the
   * callback then hands the outcome to that browser only.
   */
  async begin(slug: string, dashboard?: { browser: string }): Promise<string> {
    const { tenant, sso, config } = await this.configured(slug);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending: SsoPending = { code_verifier: codeVerifier, nonce, ...(dashboard ? { to: 'app', browser: ssoDigest(dashboard.browser) } : {}) };
    await this.states.put(tenant.id, state, pending);
    this.logger.debug(`tenant ${tenant.slug}: SSO login started at ${sso.issuer}`);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(tenant.slug),
      scope: 'openid email profile',
      response_type: 'code',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).href;
  }

  /**
   * Finishes a login: `query` is the callback's query string as the provider sent it, `browser`
   * the dashboard's browser cookie when the request carries one. A login the dashboard began ends
   * in an outcome (its refusals included) for that browser; anything else throws as before.
   */
  async finish(slug: string, query: Record<string, unknown>, browser?: string): Promise<SsoOutcome> {
    const { tenant, sso, config } = await this.configured(slug);
    const state = typeof query.state === 'string' ? query.state : '';
    const pending = await this.states.take(tenant.id, state);
    if (!pending) throw new SsoFailed('unknown, expired or already used state');
    if (pending.to !== 'app') return { to: 'api', token: await this.complete(tenant, sso, config, state, pending, query) };
    try {
      if (!browser || !pending.browser || !timingSafeEqual(Buffer.from(ssoDigest(browser)), Buffer.from(pending.browser))) {
        throw new SsoFailed('this sign-in was begun in another browser; start it again here');
      }
      return { to: 'app', token: await this.complete(tenant, sso, config, state, pending, query) };
    } catch (error) {
      if (error instanceof DomainError) return { to: 'app', error };
      throw error;
    }
  }

  /** Keeps a dashboard login's outcome for its browser to claim: the one-time code for the handoff cookie. */
  async handOff(outcome: { token: SsoToken } | { error: DomainError }): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.states.putHandoff<SsoToken>(
      code,
      'token' in outcome ? { token: outcome.token } : { error: { kind: outcome.error.kind, code: outcome.error.code, message: outcome.error.message } },
    );
    return code;
  }

  /** The dashboard claims its login (once): the token, or the refusal the callback met, thrown as it was. */
  async claim(code: string | undefined): Promise<SsoToken> {
    const handoff = code ? await this.states.takeHandoff<SsoToken>(code) : null;
    if (!handoff) throw new SsoHandoffMissing();
    if ('error' in handoff) throw new DomainError(handoff.error.kind, handoff.error.code, handoff.error.message);
    return handoff.token;
  }

  /** The code exchange and ID-token checks, then the user's sign-in and token. */
  private async complete(tenant: TenantRow, sso: SsoSettings, config: oidc.Configuration, state: string, pending: SsoPending, query: Record<string, unknown>): Promise<SsoToken> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (typeof value === 'string') params.set(key, value);
    const currentUrl = new URL(`${this.redirectUri(tenant.slug)}?${params.toString()}`);
    let claims: Record<string, unknown> & { iss: string; sub: string };
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new SsoFailed('the provider returned no ID token');
      claims = idClaims;
      // A provider may keep the email out of the ID token (OIDC Core 5.4): read it from userinfo,
      // which openid-client checks is about the ID token's subject.
      if (typeof claims.email !== 'string') claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)), iss: idClaims.iss, sub: idClaims.sub };
    } catch (error) {
      if (error instanceof SsoFailed) throw error;
      if (unreachable(error)) throw new SsoProviderUnavailable(sso.issuer);
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`tenant ${tenant.slug}: SSO callback refused: ${reason}`);
      throw new SsoFailed(reason.slice(0, 200));
    }
    const email = this.provenEmail(claims, sso);
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
    const userId = await this.signIn(tenant, sso, { issuer: claims.iss, subject: claims.sub, email, name });
    const user = await this.users.findById(userId);
    if (!user) throw new SsoFailed('the user was deleted during the sign-in');
    return this.auth.issueToken(user);
  }

  /** The ID token's email when the provider verified it and the tenant allows its domain. */
  private provenEmail(claims: Record<string, unknown>, sso: SsoSettings): string {
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!/^[^\s@]{1,64}@[^\s@]{1,253}$/.test(email)) throw new SsoEmailRefused('sso_email_unverified', 'The provider gave no email address');
    if (claims.email_verified !== true) throw new SsoEmailRefused('sso_email_unverified', `The provider has not verified ${email}`);
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!sso.allowed_domains.includes(domain)) {
      throw new SsoEmailRefused('sso_domain_not_allowed', `${domain} is not one of this tenant's allowed_domains`);
    }
    return email;
  }

  /**
   * The user of the identity (created on its first sign-in) and its membership of the tenant:
   * the role of the email's pending invitation into this tenant (accepted: the provider proved
   * the email), else sso.default_role. A new member takes a seat (max_members) and is audited.
   */
  private async signIn(tenant: TenantRow, sso: SsoSettings, who: { issuer: string; subject: string; email: string; name: string | null }): Promise<string> {
    const joined = await this.repo.transaction(async (m) => {
      let userId = await this.repo.userOfIdentity(m, who.issuer, who.subject);
      if (!userId) {
        userId = await this.repo.createUser(m, who.email, who.name);
        if (!userId) throw new SsoAccountExists(who.email);
        if (!(await this.repo.linkIdentity(m, who.issuer, who.subject, userId))) throw new SsoFailed('this identity signed in twice at once; try again');
      }
      const locked = await this.members.lockTenant(m, tenant.id);
      if (!locked) throw new SsoNotConfigured(tenant.slug);
      if (await this.members.find(m, tenant.id, userId)) return { userId, role: null };
      const invitation = await this.repo.acceptInvitation(m, tenant.id, who.email, userId);
      // An invitation held its seat; anyone else needs a free one.
      if (!invitation && locked.members + locked.invited >= locked.maxMembers) throw new MemberLimitReached(locked.maxMembers);
      const role: MemberRole = invitation?.role ?? sso.default_role;
      await this.members.insert(m, tenant.id, userId, role);
      await this.audit.record(
        {
          tenantId: tenant.id,
          action: 'member.added',
          target: { type: 'user', id: userId },
          before: null,
          after: { role, email: who.email, via: 'sso', issuer: who.issuer, ...(invitation ? { invitation_id: invitation.id } : {}) },
          actor: { type: 'user', id: userId },
        },
        m,
      );
      return { userId, role };
    });
    if (joined.role) {
      this.logger.log(`tenant ${tenant.slug}: user ${joined.userId} joined through SSO as ${joined.role}`);
      await this.events.changed({ id: tenant.id, slug: tenant.slug });
    }
    return joined.userId;
  }

  /** The tenant (active, with valid settings.sso) and its provider's discovered configuration. */
  private async configured(slug: string): Promise<Configured> {
    const tenant = slugProblem(slug) ? null : await this.tenants.findByKey(slug);
    const sso = tenant ? ssoSettingsOf(tenant.settings) : null;
    if (!tenant || !sso || tenant.slug !== slug) throw new SsoNotConfigured(slug);
    if (tenant.status === 'suspended' || !tenant.is_active) throw new TenantSuspended(tenant);
    if (tenant.status !== 'active') throw new TenantNotReady(tenant);
    const secret = await this.secrets.read(tenant.id, 'sso.client_secret');
    if (!secret) throw new SsoNotConfigured(slug);
    const cacheKey = `${tenant.id}\n${sso.issuer}\n${sso.client_id}\n${createHash('sha256').update(secret).digest('hex')}`;
    let config = this.configs.get(cacheKey);
    if (!config) {
      const issuer = new URL(sso.issuer);
      try {
        config = await oidc.discovery(issuer, sso.client_id, undefined, oidc.ClientSecretBasic(secret), {
          timeout: PROVIDER_TIMEOUT_S,
          execute: isLoopbackUrl(issuer) && issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        });
      } catch (error) {
        this.logger.warn(`tenant ${tenant.slug}: OIDC discovery at ${sso.issuer} failed: ${error instanceof Error ? error.message : String(error)}`);
        throw new SsoProviderUnavailable(sso.issuer);
      }
      // Verify the ID token's signature against the provider's JWKS (openid-client skips it for a token-endpoint ID token otherwise).
      oidc.enableNonRepudiationChecks(config);
      this.configs.set(cacheKey, config);
    }
    return { tenant, sso, config };
  }
}
