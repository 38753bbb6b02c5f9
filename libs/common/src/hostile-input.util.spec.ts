import { describe, expect, it } from 'vitest';
import { containsLoneSurrogate, containsNul, jsonNestingExceeds, MAX_JSON_DEPTH } from './hostile-input.util.js';

const exceeds = (text: string, max = MAX_JSON_DEPTH): boolean => jsonNestingExceeds(Buffer.from(text, 'utf8'), max);
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonNestingExceeds', () => {
  it('allows exactly the limit and refuses one more level', () => {
    expect(exceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceeds('{"a":{"b":[{"c":1}]}}', 4)).toBe(false);
    expect(exceeds('{"a":{"b":[{"c":1}]}}', 3)).toBe(true);
  });

  it('counts siblings once, not cumulatively', () => {
    expect(exceeds(`[${Array.from({ length: 1000 }, () => '[[1]]').join(',')}]`, 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceeds(JSON.stringify({ s: '[[[[{{{{'.repeat(50) }), 2)).toBe(false);
    expect(exceeds(JSON.stringify({ s: 'a"[[[[\\"[[[' }), 1)).toBe(false);
    expect(exceeds(JSON.stringify({ s: '\\' }) + '[[[', 2)).toBe(true);
    expect(exceeds(JSON.stringify({ 'k[[[': 'é€😀[[[' }), 1)).toBe(false);
  });

  it('scans 20,000 levels without recursion', () => {
    expect(exceeds(nested(20_000))).toBe(true);
    expect(exceeds('['.repeat(20_000))).toBe(true);
  });
});

describe('containsNul', () => {
  it('finds U+0000 in strings, keys and nested values', () => {
    expect(containsNul('a\u0000')).toBe(true);
    expect(containsNul({ 'k\u0000': 1 })).toBe(true);
    expect(containsNul({ a: [1, { b: ['x', 'y\u0000'] }] })).toBe(true);
    expect(containsNul(Object.assign(Object.create(null) as object, { q: '\u0000' }))).toBe(true);
  });

  it('passes clean values of every JSON type', () => {
    expect(containsNul({ a: 'text \\u0000 written out', b: [1, true, null, { c: 'é' }], d: 0 })).toBe(false);
    for (const v of [undefined, null, 0, '', 'x', [], {}, true]) expect(containsNul(v)).toBe(false);
  });

  it('walks 100,000 levels without recursion', () => {
    let deep: unknown = ['\u0000'];
    for (let i = 0; i < 100_000; i++) deep = { n: deep };
    expect(containsNul(deep)).toBe(true);
  });

  it('does not walk binary bodies byte by byte', () => {
    expect(containsNul(Buffer.alloc(1024))).toBe(false);
  });
});

describe('containsLoneSurrogate', () => {
  it('finds a high or low surrogate without its pair, in strings, keys and nested values', () => {
    for (const text of ['\ud800', 'a\ud800b', 'a\udc00', '\udfff\ud800', 'x\ud83d']) expect(containsLoneSurrogate(text), JSON.stringify(text)).toBe(true);
    expect(containsLoneSurrogate({ 'k\udbff': 1 })).toBe(true);
    expect(containsLoneSurrogate({ a: [1, { b: ['x', 'y\udc00'] }] })).toBe(true);
  });

  it('passes well-formed text, astral characters (surrogate pairs) included', () => {
    expect(containsLoneSurrogate({ a: '😀🏳️‍🌈 \u202e é', b: ['\ud83d\ude00'], 'k😀': 'v' })).toBe(false);
    for (const v of [undefined, null, 0, '', 'x', [], {}, true]) expect(containsLoneSurrogate(v)).toBe(false);
  });
});
