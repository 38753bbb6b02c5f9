import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./oidc-provider-server.mjs', import.meta.url));

export interface OidcClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestProvider {
  issuer: string;
  /** Who the next authorization signs in as. */
  nextLogin(account: { sub: string; email: string; email_verified: boolean; name?: string }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real oidc-provider on loopback in a child process (test/support/oidc-provider-server.mjs).
 * `clockSkewS`: its clock runs that far behind (its ID tokens arrive expired); `forge`: it
 * publishes another key than the one it signs with; `conform`: the email is in userinfo only.
 */
export async function startProvider(clients: OidcClient[], options: { clockSkewS?: number; forge?: boolean; conform?: boolean } = {}): Promise<TestProvider> {
  const child: ChildProcess = spawn(process.execPath, ['--no-warnings', SCRIPT], {
    env: {
      PATH: process.env.PATH ?? '',
      OIDC_CLIENTS: JSON.stringify(clients),
      OIDC_CLOCK_SKEW_S: String(options.clockSkewS ?? 0),
      OIDC_FORGE: options.forge ? '1' : '0',
      OIDC_CONFORM: options.conform ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`oidc provider did not start: ${stderr}`)), 90_000); // a loaded machine
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`oidc provider exited (${code}): ${stderr}`)));
  });
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    async nextLogin(account) {
      const res = await fetch(`${issuer}/__test/next-login`, { method: 'POST', body: JSON.stringify(account) });
      if (res.status !== 204) throw new Error(`next-login: ${res.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

export const randomSecret = (): string => randomBytes(24).toString('base64url');

/**
 * A browser without a UI: from the provider's authorization URL, follows its redirects (keeping
 * its cookies) until it sends the browser to `callbackPath`; answers that URL (path and query).
 */
export async function signInAtProvider(authorizationUrl: string, callbackPath: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 12; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of res.headers.getSetCookie()) {
      const pair = set.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`the provider stopped at ${url.pathname} with ${res.status}: ${(await res.text()).slice(0, 500)}`);
    url = new URL(location, url);
    if (url.pathname === callbackPath) return url;
  }
  throw new Error('too many redirects at the provider');
}
