import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Envelope encryption with Node's crypto (AES-256-GCM): nothing hand-rolled but the framing.
// An envelope is `tnk1.<key id>.<nonce>.<ciphertext+tag>` (base64url parts). The key id says
// which key sealed it (a data key's version, a master key's fingerprint); it and the caller's
// context (tenant, field) are authenticated as additional data, so an envelope copied to
// another tenant or field, or with its key id edited, fails to open like a tampered one.

const PREFIX = 'tnk1';
const NONCE_BYTES = 12; // 96 bits, GCM's native nonce size; random per seal
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

const aadOf = (keyId: string, context: string): Buffer => Buffer.from(`${PREFIX}.${keyId}.${context}`);

export function seal(key: Buffer, keyId: string, plaintext: Buffer, context: string): string {
  if (key.length !== KEY_BYTES) throw new EnvelopeError(`a key must be ${KEY_BYTES} bytes`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(keyId)) throw new EnvelopeError('a key id is 1-64 characters of [A-Za-z0-9_-]');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(keyId, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [PREFIX, keyId, nonce.toString('base64url'), body.toString('base64url')].join('.');
}

interface Parsed {
  keyId: string;
  nonce: Buffer;
  body: Buffer;
}

function parse(envelope: string): Parsed {
  const parts = typeof envelope === 'string' ? envelope.split('.') : [];
  const [prefix, keyId, nonce, body] = parts;
  if (parts.length !== 4 || prefix !== PREFIX || !keyId || !nonce || !body) throw new EnvelopeError('not an envelope');
  const parsed = { keyId, nonce: Buffer.from(nonce, 'base64url'), body: Buffer.from(body, 'base64url') };
  if (parsed.nonce.length !== NONCE_BYTES || parsed.body.length < TAG_BYTES) throw new EnvelopeError('not an envelope');
  return parsed;
}

/** Which key sealed the envelope (EnvelopeError when it is not one). */
export function envelopeKeyId(envelope: string): string {
  return parse(envelope).keyId;
}

/** The plaintext; EnvelopeError when the key or context is wrong or anything was changed. */
export function open(key: Buffer, envelope: string, context: string): Buffer {
  const { keyId, nonce, body } = parse(envelope);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadOf(keyId, context));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new EnvelopeError('the envelope does not open with this key (wrong key, wrong context, or tampered)');
  }
}

/** A master key's public name: a hash prefix that tells keys apart without revealing anything of them. */
export function masterKeyId(key: Buffer): string {
  return `m${createHash('sha256').update('tenantry master key id\0').update(key).digest('base64url').slice(0, 16)}`;
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
