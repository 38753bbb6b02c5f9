/**
 * The dashboard's only door to the server: the public HTTP API (API.md), nothing private.
 *
 * Session: the access token lives in memory, mirrored to sessionStorage so a reload of the tab
 * keeps the session (it is gone with the tab, and other tabs or sites never see it). It travels
 * as an `Authorization: Bearer` header that the page adds itself, never as a cookie, so a
 * cross-site request carries no credential and there is nothing for CSRF to ride on. The page's
 * CSP allows scripts from our own origin only, which is what keeps the token from injected code.
 */
const TOKEN_KEY = 'tenantry.token';
let token: string | null = sessionStorage.getItem(TOKEN_KEY);
const listeners = new Set<() => void>();

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of listeners) listener();
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** An answer other than 2xx, carrying the API's own `message` (and `details`, when given). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Tenant-scoped routes (/api/v1/...): the tenant's id, sent as X-Tenant-ID. */
  tenant?: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function url(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function headersFor(options: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.tenant) headers['x-tenant-id'] = options.tenant;
  return headers;
}

/** The error an answer stands for: the API's `message` (details appended), or the status line. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let message = `${response.status} ${response.statusText}`.trim();
  let details: unknown;
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (Array.isArray(body.message)) message = body.message.join('; ');
    details = body.details;
  } catch {
    if (text) message = `${message}: ${text.slice(0, 200)}`;
  }
  if (response.status === 401 && token) setToken(null);
  return new ApiError(response.status, message, details);
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers = headersFor(options);
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(url(path, options.query), { method, headers, body, signal: options.signal });
  } catch (error) {
    throw new ApiError(0, `The API could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A POST whose answer streams as server-sent events (`Accept: text/event-stream`): calls onEvent
 * with each event's name and data, and resolves when the stream ends. A JSON answer (the server
 * does not stream) is handed over as one `message` event.
 */
export async function streamPost(
  path: string,
  options: RequestOptions,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const headers = { ...headersFor(options), accept: 'text/event-stream', 'content-type': 'application/json' };
  const response = await fetch(url(path, options.query), { method: 'POST', headers, body: JSON.stringify(options.body), signal: options.signal });
  if (!response.ok) throw await errorOf(response);
  if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
    onEvent('message', await response.text());
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  }
}

export interface User {
  id: string;
  email: string;
  name: string | null;
  is_platform_admin: boolean;
}

export interface Me extends User {
  memberships?: Array<{ tenant_id: string; slug?: string; role: string }>;
}

export interface Tenant {
  id: string;
  name: string;
  slug: string;
  schema_name: string;
  plan: string;
  settings: Record<string, unknown>;
  status: 'provisioning' | 'active' | 'suspended' | 'failed';
  is_active: boolean;
  parent_id: string | null;
  max_members: number;
  max_api_keys: number;
  owner_id: string;
  member_count: number;
  created_at: string;
  suspended_at: string | null;
}

export interface Page {
  total: number;
  skip: number;
  limit: number;
}

export const PLANS = ['starter', 'growth', 'enterprise'] as const;
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
