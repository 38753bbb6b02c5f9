import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envelopeKeyId, EnvelopeError, masterKeyId, open, seal } from './envelope.js';

const key = randomBytes(32);
const secret = Buffer.from('sk-live-plaintext-value');

describe('envelope (AES-256-GCM)', () => {
  it('opens with the key and context it was sealed with; names its key; never contains the plaintext', () => {
    const envelope = seal(key, 'v3', secret, 'tenant-a:sso.client_secret');
    expect(envelope).toMatch(/^tnk1\.v3\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(envelopeKeyId(envelope)).toBe('v3');
    expect(envelope).not.toContain(secret.toString('base64url'));
    expect(open(key, envelope, 'tenant-a:sso.client_secret').equals(secret)).toBe(true);
    // A fresh nonce every time: the same secret never gives the same envelope.
    expect(seal(key, 'v3', secret, 'tenant-a:sso.client_secret')).not.toBe(envelope);
  });

  it('refuses a wrong key, another context (tenant or field), and any tampering', () => {
    const envelope = seal(key, 'v1', secret, 'tenant-a:sso.client_secret');
    expect(() => open(randomBytes(32), envelope, 'tenant-a:sso.client_secret')).toThrow(EnvelopeError);
    expect(() => open(key, envelope, 'tenant-b:sso.client_secret')).toThrow(EnvelopeError);
    expect(() => open(key, envelope, 'tenant-a:stripe.account_token')).toThrow(EnvelopeError);
    const [prefix, id, nonce, body] = envelope.split('.') as [string, string, string, string];
    const flip = (s: string, at: number): string => {
      const bytes = Buffer.from(s, 'base64url');
      bytes[at % bytes.length]! ^= 1;
      return bytes.toString('base64url');
    };
    for (let at = 0; at < Buffer.from(body, 'base64url').length; at++) {
      expect(() => open(key, [prefix, id, nonce, flip(body, at)].join('.'), 'tenant-a:sso.client_secret')).toThrow(EnvelopeError);
    }
    expect(() => open(key, [prefix, id, flip(nonce, 0), body].join('.'), 'tenant-a:sso.client_secret')).toThrow(EnvelopeError);
    expect(() => open(key, [prefix, 'v2', nonce, body].join('.'), 'tenant-a:sso.client_secret')).toThrow(EnvelopeError);
    for (const junk of ['', 'plaintext', 'tnk1.v1.x.y', `tnk0.${id}.${nonce}.${body}`, `${envelope}.extra`]) {
      expect(() => open(key, junk, 'tenant-a:sso.client_secret')).toThrow(EnvelopeError);
    }
  });

  it('names master keys apart without revealing them', () => {
    const a = masterKeyId(key);
    expect(a).toBe(masterKeyId(Buffer.from(key)));
    expect(a).not.toBe(masterKeyId(randomBytes(32)));
    expect(a).not.toContain(key.toString('base64url').slice(0, 8));
  });
});
