import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON
export interface HttpResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A document as the API answers it. */
export interface Doc {
  id: string;
  title: string;
  content: string;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as is (for malformed JSON and the like). */
  rawBody?: string | Buffer;
}

/** Headers and body of a request as both clients send them (token, JSON or raw body). */
export function outgoing(options: RequestOptions): { headers: Record<string, string>; body: string | Buffer | undefined } {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  return { headers, body };
}

/** A response body: parsed JSON, else the text as is. */
export function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** A tiny HTTP client for one API base URL. */
export function client(baseUrl: string) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON
  return async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const { headers, body } = outgoing(options);
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    return { status: res.status, body: parseBody(await res.text()) as T, headers: res.headers };
  };
}

export type Request = ReturnType<typeof client>;

export const uniqueSlug = (prefix = 't'): string => `${prefix}-${randomBytes(5).toString('hex')}`;

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

export async function registerUser(request: Request, name = 'Test User'): Promise<TestUser> {
  const email = `${uniqueSlug('user')}@example.com`;
  const password = 'correct-horse-battery';
  const res = await request('POST', '/api/v1/auth/register', { body: { email, password, name } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, password, token: res.body.access_token };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON
export async function createTenant(request: Request, token: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await request('POST', '/api/tenants', { token, body: { name: 'Tenant', slug: uniqueSlug(), plan: 'starter', ...body } });
  if (res.status !== 201) throw new Error(`create tenant failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls the tenant until its status is `status` (default active). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON
export async function waitForStatus(request: Request, token: string, tenant: string, status = 'active', timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request('GET', `/api/tenants/${tenant}`, { token });
    if (res.status === 200 && res.body.status === status) return res.body;
    if (Date.now() > deadline) throw new Error(`tenant ${tenant} did not become ${status}: ${res.status} ${JSON.stringify(res.body)}`);
    await sleep(25);
  }
}

/** A registered user owning one active tenant. */
export async function activeTenant(request: Request, body: Record<string, unknown> = {}, user?: TestUser) {
  const owner = user ?? (await registerUser(request));
  const created = await createTenant(request, owner.token, body);
  const tenant = await waitForStatus(request, owner.token, created.id);
  return { owner, tenant };
}
