// The bad-input sweep's generator: reads an OpenAPI document and, for every operation, builds a
// valid baseline request from the schemas, then one hostile variant per (target, value): each
// path parameter, query parameter, body field (recursively, free-form objects included) and
// header in turn, the rest of the request staying valid. Requests go over a raw socket
// (sendRaw), so any byte can be sent: NUL in a header, an unnormalised `..` in a path, a body
// of the wrong length type.
import { createHmac, randomUUID } from 'node:crypto';
import { connect } from 'node:net';

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SweptOperation {
  method: string;
  path: string;
  op: Operation;
  /** Declares X-Tenant-ID / X-Tenant-Slug: a tenant-scoped route. */
  tenantScoped: boolean;
  body?: Schema;
  /** Takes multipart/form-data (an upload): the baseline sends a small text file in each binary field. */
  multipart?: Schema;
}

export function operations(doc: OpenApiDoc): SweptOperation[] {
  const out: SweptOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const tenantScoped = (op.parameters ?? []).some((p) => p.in === 'header' && /^x-tenant-(id|slug)$/i.test(p.name));
      const body = op.requestBody?.content?.['application/json']?.schema;
      const multipart = op.requestBody?.content?.['multipart/form-data']?.schema;
      out.push({ method: method.toUpperCase(), path, op, tenantScoped, body: body && resolve(doc, body), multipart: multipart && resolve(doc, multipart) });
    }
  }
  return out;
}

export function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(doc, target);
}

/** The caller's own fixtures and the victim's, for values whose name says what they are. */
export interface Fixtures {
  /** Values by parameter or field name (`tenant`, `id`, `email`, `password`...), a function for fresh ones. */
  named: Record<string, () => unknown>;
  victim: { tenantId: string; slug: string; documentId: string };
}

/** A valid value of `schema`, honouring enum, format, pattern, bounds and lengths. */
export function validValue(doc: OpenApiDoc, raw: Schema, name: string, fixtures: Fixtures): unknown {
  const named = fixtures.named[name];
  if (named) return named();
  const schema = resolve(doc, raw);
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, Math.min(schema.maximum ?? 1, 1));
    case 'boolean':
      return true;
    case 'array':
      return schema.items ? [validValue(doc, schema.items, name, fixtures)] : [];
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const key of schema.required ?? []) value[key] = validValue(doc, schema.properties?.[key] ?? {}, key, fixtures);
      return value;
    }
    default: {
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'email') return `sweep-${randomUUID().slice(0, 8)}@example.com`;
      // a lower-case hex run fits slug-like patterns (`^[a-z0-9][a-z0-9-]*[a-z0-9]$`) and lengths
      const length = Math.max(schema.minLength ?? 0, Math.min(schema.maxLength ?? 12, 12));
      const text = `s${randomUUID().replace(/-/g, '')}`.slice(0, Math.max(length, 1));
      if (schema.pattern && !new RegExp(schema.pattern).test(text)) throw new Error(`no valid value for ${name} (pattern ${schema.pattern})`);
      return text;
    }
  }
}

/** Hostile values for any parameter or field: types, sizes, numbers, characters, injections. */
export const HOSTILE_VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null],
  ['empty string', ''],
  ['object', { a: 1 }],
  ['array', [1, 'x']],
  ['boolean', true],
  ['1e308', 1e308],
  ['-1', -1],
  ['2**53+1', 2 ** 53 + 1],
  ['20-digit string', '99999999999999999999'],
  ['NaN string', 'NaN'],
  ['Infinity string', 'Infinity'],
  ['100 KB string', 'x'.repeat(100 * 1024)],
  ['NUL', 'a\u0000b'],
  ['control characters', '\u0001\u001b[31m\u007f'],
  ['RTL override', 'abc\u202egnp.exe'],
  ['emoji', '😀🏳️‍🌈'],
  ['lone surrogate', 'a\ud800b'],
  ['path traversal', '../../etc/passwd'],
  ['encoded traversal', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['SQL tautology', "' OR 1=1 --"],
  ['SQL drop', "'; DROP SCHEMA public; --"],
  ['pg_sleep statement', "'; SELECT pg_sleep(5); --"],
  ['pg_sleep expression', '1 AND pg_sleep(5)'],
];

/** A request exactly as it goes on the wire. */
export interface RawRequest {
  method: string;
  /** The request target, sent as is (already percent-encoded where it should be). */
  target: string;
  headers: Array<[string, string]>;
  body?: string | Buffer;
}

export interface SweepCase {
  operation: string;
  label: string;
  request: RawRequest;
  /** A status the case must get (413 for a body over the limit). */
  expectStatus?: number;
}

/** Percent-encodes a value for a path segment or query component (UTF-8; a lone surrogate becomes U+FFFD). */
export function encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

interface Baseline {
  pathParams: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
  /** A multipart body, sent as is. */
  rawBody?: string;
}

export interface SweepContext {
  doc: OpenApiDoc;
  fixtures: Fixtures;
  token: string;
  tenantId: string;
  tenantSlug: string;
  baseDomain: string;
  bodyLimit: number;
  /** Signs the baseline of POST /api/billing/webhook as Stripe would (no signature, no valid call). */
  stripeWebhookSecret?: string;
}

const STRIPE_WEBHOOK = '/api/billing/webhook';

/** A Stripe event the webhook accepts and ignores, with the Stripe-Signature header over its raw body. */
function signedStripeEvent(secret: string): { rawBody: string; headers: Record<string, string> } {
  const rawBody = JSON.stringify({ id: `evt_sweep_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_sweep', object: 'customer' } } });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return { rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` } };
}

function baseline(ctx: SweepContext, op: SweptOperation): Baseline {
  const b: Baseline = { pathParams: {}, query: {}, headers: {} };
  for (const p of op.op.parameters ?? []) {
    if (p.in === 'path') b.pathParams[p.name] = asText(validValue(ctx.doc, p.schema ?? {}, p.name, ctx.fixtures));
    else if (p.in === 'query' && p.required) b.query[p.name] = asText(validValue(ctx.doc, p.schema ?? {}, p.name, ctx.fixtures));
  }
  if (op.op.security?.length) b.headers.authorization = `Bearer ${ctx.token}`;
  if (op.tenantScoped) b.headers['x-tenant-id'] = ctx.tenantId;
  if (op.body) b.body = validValue(ctx.doc, op.body, '', ctx.fixtures) as Record<string, unknown>;
  if (op.multipart) {
    const boundary = `sweep${randomUUID().replace(/-/g, '')}`;
    const parts = Object.entries(op.multipart.properties ?? {}).map(([field, schema]) =>
      resolve(ctx.doc, schema).format === 'binary'
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="sweep.txt"\r\nContent-Type: text/plain\r\n\r\nsweep file\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${asText(validValue(ctx.doc, schema, field, ctx.fixtures))}\r\n`,
    );
    b.rawBody = `${parts.join('')}--${boundary}--\r\n`;
    b.headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
  }
  if (op.path === STRIPE_WEBHOOK && op.method === 'POST' && ctx.stripeWebhookSecret) {
    const signed = signedStripeEvent(ctx.stripeWebhookSecret);
    b.rawBody = signed.rawBody;
    Object.assign(b.headers, signed.headers);
  }
  return b;
}

interface Variant {
  pathParams?: Record<string, string>;
  rawPath?: string;
  query?: Record<string, string>;
  rawQuery?: string;
  headers?: Record<string, string | undefined>;
  extraHeaders?: Array<[string, string]>;
  body?: unknown;
  rawBody?: string | Buffer;
  noBody?: boolean;
}

function render(op: SweptOperation, b: Baseline, v: Variant): RawRequest {
  const params = { ...b.pathParams, ...v.pathParams };
  const path = v.rawPath ?? op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encode(params[name] ?? ''));
  const query = { ...b.query, ...v.query };
  const qs = v.rawQuery ?? Object.entries(query).map(([k, val]) => `${encode(k)}=${encode(val)}`).join('&');
  const headers: Record<string, string | undefined> = { ...b.headers, ...v.headers };
  let body: string | Buffer | undefined;
  if (!v.noBody) {
    if (v.rawBody !== undefined) body = v.rawBody;
    else if (v.body !== undefined) body = JSON.stringify(v.body);
    else if (b.body !== undefined) body = JSON.stringify(b.body);
    else if (b.rawBody !== undefined) body = b.rawBody;
  }
  if (body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
  const list = Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined);
  return { method: op.method, target: qs ? `${path}?${qs}` : path, headers: [...list, ...(v.extraHeaders ?? [])], body };
}

/** Field paths of a body schema: declared properties, recursively, and one key inside each free-form object. */
function fieldPaths(doc: OpenApiDoc, schema: Schema, prefix: string[] = []): Array<{ path: string[]; required: boolean }> {
  const out: Array<{ path: string[]; required: boolean }> = [];
  const s = resolve(doc, schema);
  for (const [name, child] of Object.entries(s.properties ?? {})) {
    const path = [...prefix, name];
    out.push({ path, required: s.required?.includes(name) ?? false });
    const c = resolve(doc, child);
    if (c.type === 'object' && c.properties) out.push(...fieldPaths(doc, c, path));
    else if (c.type === 'object' && c.additionalProperties !== false) out.push({ path: [...path, 'nested'], required: false });
  }
  return out;
}

function withField(body: Record<string, unknown>, path: string[], value: unknown, remove = false): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

const DEEP = 10_000;
const deepArray = (): string => '['.repeat(DEEP) + ']'.repeat(DEEP);

/** Every hostile variant of one operation (a fresh baseline per case: emails and slugs stay unique). */
export function casesFor(ctx: SweepContext, op: SweptOperation): SweepCase[] {
  const name = `${op.method} ${op.path}`;
  const cases: SweepCase[] = [];
  const add = (label: string, variant: Variant, extra: Partial<SweepCase> = {}): void => {
    cases.push({ operation: name, label, request: render(op, baseline(ctx, op), variant), ...extra });
  };
  const { victim } = ctx.fixtures;
  const otherTenantValues: Array<[string, string]> = [
    ['victim tenant id', victim.tenantId],
    ['victim tenant slug', victim.slug],
    ['victim document id', victim.documentId],
    ['nonexistent uuid', randomUUID()],
  ];

  add('baseline', {});

  for (const p of op.op.parameters ?? []) {
    if (p.in === 'path') {
      for (const [label, value] of [...HOSTILE_VALUES, ...otherTenantValues]) add(`path ${p.name}: ${label}`, { pathParams: { [p.name]: asText(value) } });
      // unnormalised traversal, as is on the wire
      for (const raw of ['../../etc/passwd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2f..%2f', '%ff%fe']) {
        add(`path ${p.name}: raw ${raw}`, { rawPath: op.path.replace(`{${p.name}}`, raw).replace(/\{[^}]+\}/g, 'x') });
      }
    } else if (p.in === 'query') {
      for (const [label, value] of HOSTILE_VALUES) add(`query ${p.name}: ${label}`, { query: { [p.name]: asText(value) } });
      add(`query ${p.name}: repeated`, { query: {}, rawQuery: `${encode(p.name)}=1&${encode(p.name)}=2` });
      if (p.required) add(`query ${p.name}: missing`, { rawQuery: '' });
    }
  }
  add('query: unknown parameter', { query: { __sweep_extra: '1' } });
  add('query: NUL in a key', { query: { 'a\u0000b': '1' } });
  add('query: 100 KB query string', { rawQuery: `x=${'y'.repeat(100 * 1024)}` });

  if (op.body) {
    for (const field of fieldPaths(ctx.doc, op.body)) {
      const at = field.path.join('.');
      for (const [label, value] of HOSTILE_VALUES) add(`body ${at}: ${label}`, { body: withField(baseline(ctx, op).body ?? {}, field.path, value) });
      if (field.required) add(`body ${at}: missing`, { body: withField(baseline(ctx, op).body ?? {}, field.path, undefined, true) });
      const text = JSON.stringify(withField(baseline(ctx, op).body ?? {}, field.path, '__DEEP__'));
      add(`body ${at}: 10,000 levels deep`, { rawBody: text.replace('"__DEEP__"', deepArray()) });
    }
    add('body: unknown field', { body: { ...baseline(ctx, op).body, __sweep_extra: 1 } });
    add('body: __proto__', { rawBody: `{"__proto__": {"is_platform_admin": true}, ${JSON.stringify(baseline(ctx, op).body ?? {}).slice(1)}` });
    add('body: over the limit', { rawBody: JSON.stringify({ ...baseline(ctx, op).body, pad: 'x'.repeat(ctx.bodyLimit + 1024) }) }, { expectStatus: 413 });
  }
  for (const [label, rawBody] of [
    ['malformed JSON', '{"a": '],
    ['single quotes', "{'a': 1}"],
    ['trailing garbage', '{} x'],
    ['a JSON string', '"x"'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['10,000 levels deep', deepArray()],
    ['empty', ''],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ] as const) {
    add(`body: ${label}`, { rawBody });
  }

  // headers: authentication, the tenant headers, the Host subdomain, the content type, the request id
  const ownUpper = ctx.tenantId.toUpperCase();
  const headerCases: Array<[string, Record<string, string | undefined>, Array<[string, string]>?]> = [
    ['no Authorization', { authorization: undefined }],
    ['Authorization: garbage token', { authorization: 'Bearer garbage' }],
    ['Authorization: SQL', { authorization: "Bearer ' OR 1=1 --" }],
    ['Authorization: Basic', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['Authorization: alg none', { authorization: `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${ctx.token.split('.')[1]}.` }],
    ['Authorization: tampered payload', { authorization: `Bearer ${ctx.token.slice(0, -4)}AAAA` }],
    ['Authorization: 10 KB', { authorization: `Bearer ${'a'.repeat(10 * 1024)}` }],
    ['Authorization: twice', {}, [['authorization', 'Bearer garbage']]],
    ['X-Tenant-ID: victim', { 'x-tenant-id': victim.tenantId }],
    ['X-Tenant-ID: nonexistent uuid', { 'x-tenant-id': randomUUID() }],
    ['X-Tenant-ID: own uuid upper case', { 'x-tenant-id': ownUpper }],
    ['X-Tenant-ID: victim slug', { 'x-tenant-id': victim.slug }],
    ['X-Tenant-ID: SQL', { 'x-tenant-id': "' OR 1=1 --" }],
    ['X-Tenant-ID: pg_sleep', { 'x-tenant-id': "'; SELECT pg_sleep(5); --" }],
    ['X-Tenant-ID: traversal', { 'x-tenant-id': '../../etc/passwd' }],
    ['X-Tenant-ID: empty', { 'x-tenant-id': '' }],
    ['X-Tenant-ID: 8 KB', { 'x-tenant-id': 'a'.repeat(8 * 1024) }],
    ['X-Tenant-ID: twice (own, victim)', {}, [['x-tenant-id', victim.tenantId]]],
    ['X-Tenant-Slug: victim', { 'x-tenant-id': undefined, 'x-tenant-slug': victim.slug }],
    ['X-Tenant-Slug: nonexistent', { 'x-tenant-id': undefined, 'x-tenant-slug': 'no-such-tenant-sweep' }],
    ['X-Tenant-Slug: upper case', { 'x-tenant-id': undefined, 'x-tenant-slug': ctx.tenantSlug.toUpperCase() }],
    ['X-Tenant-Slug: SQL', { 'x-tenant-id': undefined, 'x-tenant-slug': "x'; DROP SCHEMA public; --" }],
    ['X-Tenant-Slug: unicode', { 'x-tenant-id': undefined, 'x-tenant-slug': 'acme\u202e😀' }],
    ['X-Tenant-ID own vs X-Tenant-Slug victim', { 'x-tenant-slug': victim.slug }],
    ['X-Tenant-ID victim vs X-Tenant-Slug own', { 'x-tenant-id': victim.tenantId, 'x-tenant-slug': ctx.tenantSlug }],
    ['Host: victim subdomain', { host: `${victim.slug}.${ctx.baseDomain}` }],
    ['Host: victim subdomain without tenant header', { host: `${victim.slug}.${ctx.baseDomain}`, 'x-tenant-id': undefined }],
    ['Host: unknown subdomain', { host: `no-such-tenant.${ctx.baseDomain}`, 'x-tenant-id': undefined }],
    ['Host: SQL subdomain', { host: `x'or'1'='1.${ctx.baseDomain}` }],
    ['Host: dotted subdomain', { host: `..${ctx.baseDomain}` }],
    ['Host: 8 KB', { host: `${'a'.repeat(8 * 1024)}.${ctx.baseDomain}` }],
    ['Content-Type: text/plain', { 'content-type': 'text/plain' }],
    ['Content-Type: application/xml', { 'content-type': 'application/xml' }],
    ['Content-Type: utf-16 charset', { 'content-type': 'application/json; charset=utf-16' }],
    ['Content-Type: multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['Content-Type: garbage', { 'content-type': ';;;===' }],
    ['Content-Type: 8 KB', { 'content-type': `application/json; x=${'a'.repeat(8 * 1024)}` }],
    ['X-Request-ID: 100 KB', { 'x-request-id': 'r'.repeat(100 * 1024) }],
    ['X-Request-ID: SQL', { 'x-request-id': "'; DROP SCHEMA public; --" }],
    ['X-Request-ID: unicode', { 'x-request-id': '😀\u202e' }],
    ['X-Request-ID: JSON log injection', { 'x-request-id': '","level":"fatal","msg":"forged' }],
  ];
  for (const [label, headers, extraHeaders] of headerCases) add(`header ${label}`, { headers, extraHeaders });
  for (const ch of ['\u0000', '\u0001', '\u007f', '\r\nX-Tenant-ID: ' + victim.tenantId]) {
    for (const header of ['authorization', 'x-tenant-id', 'x-tenant-slug', 'host', 'content-type', 'x-request-id']) {
      add(`header ${header}: ${JSON.stringify(ch)}`, { headers: { [header]: `a${ch}b` } });
    }
  }
  if (op.tenantScoped && op.path.startsWith('/api/v1/')) {
    const rest = op.path.slice('/api/v1'.length).replace(/\{([^}]+)\}/g, (_, n: string) => encode(asText(validValue(ctx.doc, {}, n, ctx.fixtures))));
    add('path prefix: victim slug', { rawPath: `/api/v1/${victim.slug}${rest}`, headers: { 'x-tenant-id': undefined } });
    add('path prefix: victim slug vs own X-Tenant-ID', { rawPath: `/api/v1/${victim.slug}${rest}` });
    add('path prefix: SQL slug', { rawPath: `/api/v1/${encode("x' OR 1=1 --")}${rest}`, headers: { 'x-tenant-id': undefined } });
  }
  return cases;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
  /** Set when the connection failed before a full answer arrived. */
  error?: string;
}

const CHUNK = 16 * 1024;

/**
 * Sends one request over its own connection (Connection: close) and reads the whole answer.
 * A server may answer before reading all of a big request (a request line or headers over
 * Node's 16 KB, a body over the limit) and then close: TCP resets the connection on the bytes
 * it never read, and a client still writing then loses the answer. So, as a careful client
 * does, this one writes in 16 KB chunks and stops as soon as an answer arrives, and with
 * `holdBody` waits for an early answer (up to `timeoutMs`) before sending the body at all.
 */
export function sendRaw(url: string, req: RawRequest, timeoutMs: number, holdBody = false): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  const lines = [`${req.method} ${req.target} HTTP/1.1`];
  const names = new Set(req.headers.map(([n]) => n.toLowerCase()));
  if (!names.has('host')) lines.push(`host: ${hostname}:${port}`);
  for (const [n, v] of req.headers) lines.push(`${n}: ${v}`);
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  if (body) lines.push(`content-length: ${body.length}`);
  lines.push('connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'utf8');
  return new Promise((resolvePromise) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let answered = false;
    let closed = false;
    let onAnswer = (): void => undefined;
    const socket = connect(Number(port), hostname, () => void send());
    const write = (data: Buffer): Promise<void> => new Promise((done) => socket.write(data, () => done()));
    const waitForAnswer = (ms: number): Promise<void> =>
      new Promise((done) => {
        const timer = setTimeout(done, ms);
        onAnswer = () => {
          clearTimeout(timer);
          done();
        };
      });
    const writePaced = async (data: Buffer): Promise<void> => {
      for (let at = 0; at < data.length && !answered && !closed; at += CHUNK) {
        await write(data.subarray(at, at + CHUNK));
        if (data.length > CHUNK) await waitForAnswer(1);
      }
    };
    const send = async (): Promise<void> => {
      await writePaced(head);
      if (!body) return;
      if (holdBody && !answered) await waitForAnswer(timeoutMs);
      await writePaced(body);
    };
    socket.setTimeout(timeoutMs, () => {
      error = `no answer within ${timeoutMs} ms`;
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      onAnswer();
      chunks.push(chunk);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      closed = true;
      onAnswer();
      resolvePromise({ ...parseResponse(Buffer.concat(chunks)), ms: performance.now() - started, error });
    });
  });
}

function parseResponse(raw: Buffer): Omit<RawResponse, 'ms' | 'error'> {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return { status: 0, headers: {}, body: '' };
  const [statusLine, ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
