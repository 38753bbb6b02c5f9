import type { FastifyBodyParser, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { DomainError } from './domain-error.js';

/** Deeper JSON is refused before parsing: recursive walkers (validation, merge patch, jsonb) would overflow the stack. */
export const MAX_JSON_DEPTH = 64;

export class JsonTooDeep extends DomainError {
  constructor() {
    super('bad_request', 'json_too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
  }
}

/** PostgreSQL refuses U+0000 in text and jsonb, so no field of ours can ever hold one. */
export class NulCharacter extends DomainError {
  constructor() {
    super('bad_request', 'nul_character', 'The request contains a NUL character (\\u0000), which no field accepts');
  }
}

/**
 * A lone UTF-16 surrogate (`"\ud800"` is valid JSON) is no character at all: UTF-8, and so
 * PostgreSQL, cannot hold it (it would be stored as U+FFFD), and encodeURI-based validators throw on it.
 */
export class LoneSurrogate extends DomainError {
  constructor() {
    super('bad_request', 'lone_surrogate', 'The request contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is no character');
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests brackets deeper than `max`, brackets inside strings not counted.
 * One linear pass over the bytes (every byte it looks for is ASCII, so UTF-8 cannot fake one);
 * malformed text is left for the parser to refuse.
 */
export function jsonNestingExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** Wraps Fastify's JSON parser (which keeps its prototype-poisoning protection) with the depth limit. */
export function depthLimitedJsonParser(parse: FastifyBodyParser<string>): FastifyBodyParser<Buffer> {
  return (request, body, done) => {
    if (jsonNestingExceeds(body, MAX_JSON_DEPTH)) {
      done(new JsonTooDeep(), undefined);
      return;
    }
    return parse(request, body.toString('utf8'), done);
  };
}

/** Whether a string, or any key or string value within objects and arrays, passes `test`. Iterative: no depth limit. */
function someString(value: unknown, test: (text: string) => boolean): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (test(v)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      for (const key of Object.keys(v)) {
        if (test(key)) return true;
        pending.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/** Whether a string, or any key or string value within objects and arrays, holds U+0000. */
export const containsNul = (value: unknown): boolean => someString(value, (text) => text.includes('\u0000'));

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a string, or any key or string value within objects and arrays, holds a lone surrogate. */
export const containsLoneSurrogate = (value: unknown): boolean => someString(value, (text) => LONE_SURROGATE.test(text));

/**
 * Fastify `preValidation` hook: a NUL or a lone surrogate anywhere in the path parameters, query
 * or body is a 400 before any handler runs.
 */
export function rejectUnstorableCharacters(request: FastifyRequest, _reply: unknown, done: HookHandlerDoneFunction): void {
  const input = [request.params, request.query, request.body];
  if (input.some(containsNul)) done(new NulCharacter());
  else if (input.some(containsLoneSurrogate)) done(new LoneSurrogate());
  else done();
}
