/**
 * The two cookies of a dashboard SSO login, both httpOnly and never read by any other route:
 * - the browser cookie, set when the dashboard begins a login and checked by the callback, so a
 *   callback URL made in one browser cannot sign another in (login CSRF). SameSite=Lax: the
 *   provider sends the browser back with a cross-site top-level GET.
 * - the handoff cookie, set by the callback and claimed by the dashboard with a same-origin POST
 *   (SameSite=Strict): a one-time code for the outcome kept in Redis, never the token itself.
 */
export const SSO_BROWSER_COOKIE = 'tenantry_sso_browser';
export const SSO_HANDOFF_COOKIE = 'tenantry_sso_handoff';
export const SSO_PATH = '/api/v1/auth/sso';
export const SSO_HANDOFF_PATH = `${SSO_PATH}/handoff`;

export function ssoCookie(
  name: string,
  value: string,
  options: { path: string; maxAgeS: number; sameSite: 'Lax' | 'Strict'; secure: boolean },
): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeS}; HttpOnly; SameSite=${options.sameSite}${options.secure ? '; Secure' : ''}`;
}

/** A cookie's value from a Cookie header (values we set are base64url: no decoding needed). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,256}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}
