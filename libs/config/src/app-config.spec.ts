import 'reflect-metadata';
import { fastify } from 'fastify';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseCorsOrigins, parseTrustProxy, trustProxyOption } from './app-config.js';
import { PUBLISHED_JWT_SECRETS } from './published-secrets.js';

const STRONG = 'q8Vz3kP0xN7mR2tB5wY9cL4hJ6fD1sGa';
const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: '/nonexistent-tenantry-config-spec' };
const STRONG_KEY = 'k3Jd9QmZp0Rr7TnV2xWy5aBc8eFg1hIj4lMn6oPq+sU=';
const prod = (env: Record<string, string>) => () => loadConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: STRONG, MASTER_KEY: STRONG_KEY, ...env });

describe('loadConfig in production', () => {
  it('accepts a random secret of 32+ characters', () => {
    expect(prod({})().JWT_SECRET).toBe(STRONG);
  });

  it('refuses BENCH_ROUTES=true with one line naming it', () => {
    expect(prod({ BENCH_ROUTES: 'true' })).toThrow(ConfigError);
    expect(prod({ BENCH_ROUTES: 'true' })).toThrow(/^invalid configuration: BENCH_ROUTES=true is not allowed when NODE_ENV=production$/);
    expect(loadConfig({ ...base, NODE_ENV: 'development', BENCH_ROUTES: 'true' }).BENCH_ROUTES).toBe(true);
  });

  it('refuses a missing JWT_SECRET', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required/);
  });

  it('refuses a JWT_SECRET shorter than 32 characters', () => {
    expect(prod({ JWT_SECRET: STRONG.slice(0, 31) })).toThrow(/JWT_SECRET/);
  });

  it.each([...PUBLISHED_JWT_SECRETS].filter((s) => s.length >= 32))('refuses the published secret %s', (secret) => {
    expect(prod({ JWT_SECRET: secret })).toThrow(/JWT_SECRET is not safe for production: it is published/);
  });

  it('lists the secret the tests use, and the placeholders', () => {
    // The test harness's secret, read from its source (a lib's spec imports no test support code).
    const harness = readFileSync(new URL('../../../test/support/stack.ts', import.meta.url), 'utf8');
    const testSecret = /TEST_JWT_SECRET = '([^']+)'/.exec(harness)?.[1];
    expect(testSecret).toBeDefined();
    for (const s of [testSecret!, 'changeme', 'secret', 'insecure-dev-jwt-secret-change-me-before-production']) expect(PUBLISHED_JWT_SECRETS.has(s)).toBe(true);
  });

  it('docker/compose.yaml ships no default JWT_SECRET', () => {
    const compose = readFileSync(new URL('../../../docker/compose.yaml', import.meta.url), 'utf8');
    const lines = compose.split('\n').filter((l) => /^\s*JWT_SECRET:/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\s*JWT_SECRET: \$\{JWT_SECRET:\?[^}]+\}$/);
  });

  it.each(['x'.repeat(32), 'ab'.repeat(40), 'secretsecretsecretsecretsecretsecret', '0123456780123456780123456780123456'])('refuses the low-variety secret %s', (secret) => {
    expect(prod({ JWT_SECRET: secret })).toThrow(/fewer than 10 distinct characters/);
  });

  it('never prints the secret it refuses', () => {
    const secret = 'ab'.repeat(40);
    expect(prod({ JWT_SECRET: secret })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }) as Error);
  });

  it('names every problem at once', () => {
    expect(prod({ BENCH_ROUTES: 'true', JWT_SECRET: 'x'.repeat(40) })).toThrow(/BENCH_ROUTES.*JWT_SECRET/);
  });

  it('lets weak secrets through outside production (tests and laptops)', () => {
    expect(loadConfig({ ...base, NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32) }).JWT_SECRET).toBe('x'.repeat(32));
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default', () => {
    expect(loadConfig(base).TRUST_PROXY).toBe(false);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['', false],
    ['1', 1],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8', ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('%j is %j', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
    expect(loadConfig({ ...base, TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['yes', '-1', '1.5', '10.0.0.0/33', '300.1.1.1', '10.0.0.1/8/8', 'example.com', '127.0.0.1,', '::1/129'])('refuses %j with one line naming it', (value) => {
    expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(new RegExp(`^invalid configuration: TRUST_PROXY=${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(TRUST_PROXY must be`));
  });

  async function clientIp(trustProxy: string | undefined, remoteAddress: string, forwardedFor: string): Promise<string> {
    const config = loadConfig(trustProxy === undefined ? base : { ...base, TRUST_PROXY: trustProxy });
    const app = fastify({ trustProxy: trustProxyOption(config.TRUST_PROXY) });
    app.get('/', (request) => ({ ip: request.ip }));
    try {
      const res = await app.inject({ method: 'GET', url: '/', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
      return (res.json() as { ip: string }).ip;
    } finally {
      await app.close();
    }
  }

  it('decides whether Fastify believes X-Forwarded-For', async () => {
    expect(await clientIp(undefined, '127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
    expect(await clientIp('false', '127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
    expect(await clientIp('true', '10.1.2.3', '203.0.113.7')).toBe('203.0.113.7');
    expect(await clientIp('10.0.0.0/8', '10.1.2.3', '203.0.113.7')).toBe('203.0.113.7');
    expect(await clientIp('10.0.0.0/8', '198.51.100.1', '203.0.113.7')).toBe('198.51.100.1');
    expect(await clientIp('10.0.0.0/8', '10.1.2.3', '203.0.113.7, 10.9.9.9')).toBe('203.0.113.7');
    // A hop count trusts the nearest n hops, whatever their address (Fastify alone would ignore a number).
    expect(await clientIp('1', '10.1.2.3', '203.0.113.7, 198.51.100.9')).toBe('198.51.100.9');
    expect(await clientIp('2', '10.1.2.3', '203.0.113.7, 198.51.100.9')).toBe('203.0.113.7');
  });
});

describe('CORS_ORIGINS', () => {
  it('is empty by default (no CORS at all)', () => {
    expect(loadConfig(base).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ ...base, CORS_ORIGINS: '' }).CORS_ORIGINS).toEqual([]);
  });

  it.each([
    ['https://app.example.com', ['https://app.example.com']],
    [' https://app.example.com/ , http://localhost:5173 ', ['https://app.example.com', 'http://localhost:5173']],
    // As browsers write Origin: lower case, no default port; duplicates folded.
    ['HTTPS://App.Example.COM:443,https://app.example.com', ['https://app.example.com']],
    ['http://[::1]:8080', ['http://[::1]:8080']],
    ['*', ['*']],
  ])('%j is %j', (value, expected) => {
    expect(parseCorsOrigins(value)).toEqual(expected);
    expect(loadConfig({ ...base, CORS_ORIGINS: value }).CORS_ORIGINS).toEqual(expected);
  });

  it.each([
    'app.example.com',
    'https://app.example.com/path',
    'https://app.example.com?x=1',
    'https://app.example.com#x',
    'https://user:pw@app.example.com',
    'https://*.example.com',
    'ftp://files.example.com',
    'null',
    '*,https://app.example.com',
    'https://app.example.com,nope',
  ])('refuses %j with one line naming it', (value) => {
    expect(() => loadConfig({ ...base, CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, CORS_ORIGINS: value })).toThrow(/^invalid configuration: CORS_ORIGINS=".*" \(CORS_ORIGINS must be a comma-separated list of origins/);
  });

  it('refuses * in production, not elsewhere', () => {
    expect(prod({ CORS_ORIGINS: '*' })).toThrow(/^invalid configuration: CORS_ORIGINS=\* is not allowed when NODE_ENV=production/);
    expect(prod({ CORS_ORIGINS: 'https://app.example.com' })().CORS_ORIGINS).toEqual(['https://app.example.com']);
    expect(loadConfig({ ...base, NODE_ENV: 'development', CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  });
});
