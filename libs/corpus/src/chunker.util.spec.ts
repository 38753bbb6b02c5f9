import { describe, expect, it } from 'vitest';
import { chunkText, sentenceSegments } from './chunker.util.js';

const sentence = (i: number, words = 10): string => `${Array.from({ length: words - 1 }, (_, j) => `${j === 0 ? 'W' : 'w'}${i}x${j}`).join(' ')} end${i}.`;

describe('chunkText', () => {
  it('keeps a short text as one passage and drops empty text', () => {
    expect(chunkText('Hello world. Second sentence.')).toEqual(['Hello world. Second sentence.']);
    expect(chunkText('   \n\n  ')).toEqual([]);
  });

  it('cuts long text at sentence boundaries with the configured size and overlap', () => {
    const text = Array.from({ length: 100 }, (_, i) => sentence(i)).join(' '); // 1000 words
    const passages = chunkText(text, { targetWords: 100, maxWords: 150, overlapWords: 20, maxChars: 100_000 });
    expect(passages.length).toBeGreaterThan(9);
    for (const p of passages) {
      const n = p.split(/\s+/).length;
      expect(n).toBeLessThanOrEqual(150);
      expect(p).toMatch(/^W\d+x0 /); // starts at a sentence
      expect(p).toMatch(/end\d+\.$/); // ends at one
    }
    // Consecutive passages share whole sentences (the overlap), and every sentence is somewhere.
    for (let i = 1; i < passages.length; i++) {
      const lastOfPrev = passages[i - 1]!.match(/end(\d+)\.$/)![1]!;
      expect(passages[i]).toContain(`end${lastOfPrev}.`);
    }
    for (let i = 0; i < 100; i++) expect(passages.some((p) => p.includes(`end${i}.`))).toBe(true);
  });

  it('keeps paragraph breaks inside a passage and cuts an overlong sentence between words', () => {
    expect(chunkText('First para.\n\nSecond para.')).toEqual(['First para.\n\nSecond para.']);
    const long = Array.from({ length: 1000 }, (_, i) => `x${i}`).join(' ');
    const passages = chunkText(long);
    expect(passages.every((p) => p.split(' ').length <= 400)).toBe(true);
    expect(passages.join(' ')).toContain('x999');
  });

  it('bounds passages in characters too: text without spaces, long words', () => {
    const noSpaces = Array.from({ length: 20_000 }, (_, i) => `a${i}`).join(',');
    const passages = chunkText(noSpaces);
    expect(passages.length).toBeGreaterThan(20);
    expect(passages.every((p) => p.length <= 4000)).toBe(true);
    expect(passages.join('')).toBe(noSpaces);
    const words = chunkText(`${'y'.repeat(9000)} tail`);
    expect(words.every((p) => p.length <= 4000)).toBe(true);
    expect(words.join(' ').replace(/ /g, '')).toBe(`${'y'.repeat(9000)}tail`);
  });

  it('finds the same sentences window by window as in one pass, and stays linear on long texts', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `Sentence ${i} is here${i % 7 ? '.' : '!'}${i % 11 ? ' ' : '\n'}${i % 13 ? '' : '(Aside.) '}`).join('');
    expect(text.length).toBeGreaterThan(20 * 2000);
    const onePass = [...new Intl.Segmenter('en', { granularity: 'sentence' }).segment(text)].map((s) => s.segment);
    expect([...sentenceSegments(text)]).toEqual(onePass);
    expect([...sentenceSegments(text, 97)]).toEqual(onePass);
    // A sentence longer than the window comes out whole.
    const run = `${Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ')}. Next one. `;
    expect([...sentenceSegments(run)]).toEqual([run.slice(0, -'Next one. '.length), 'Next one. ']);

    // 1,000,000 characters of short sentences: minutes in one pass, well under a second in windows.
    const big = 'Word another thing here. '.repeat(40_000);
    const t0 = performance.now();
    const passages = chunkText(big);
    expect(performance.now() - t0).toBeLessThan(20_000); // one pass: about 9 minutes
    expect(passages.length).toBeGreaterThan(600);
    expect(passages.every((p) => p.split(' ').length <= 400)).toBe(true);
  });
});
