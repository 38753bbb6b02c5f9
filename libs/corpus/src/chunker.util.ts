/** How documents are cut into passages for retrieval. */
export interface ChunkOptions {
  /** A passage is closed once it reaches this many words (at a sentence boundary). */
  targetWords: number;
  /** No passage is longer than this; a longer sentence is cut between words. */
  maxWords: number;
  /** Trailing words of a passage repeated at the start of the next (whole sentences). */
  overlapWords: number;
  /** No passage is longer than this many characters either (text without spaces, e.g. "a,b,c,...", is one "word"). */
  maxChars: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { targetWords: 250, maxWords: 400, overlapWords: 50, maxChars: 4000 };

// Made on first use: loading ICU's sentence rules costs every process that imports this (the CLI too).
let segmenter: Intl.Segmenter | undefined;
const sentenceSegmenter = (): Intl.Segmenter => (segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' }));

const wordCount = (s: string): number => (s.match(/\S+/g) ?? []).length;

/** Characters given to the segmenter at once (see sentenceSegments). */
export const SEGMENT_WINDOW = 2000;

/**
 * ICU's sentences of `text`, found window by window. V8's segment iterator costs time in
 * proportion to the whole string for every segment it yields, so one pass over a long text is
 * quadratic: 1,000,000 characters of short sentences took 9 minutes of one thread (the API's event
 * loop), against a quarter of a second in windows. Each window's last segment may be cut by the
 * window's end, so it is segmented again at the start of the next window; a sentence longer than
 * a window is followed, window after window, to the next boundary and yielded whole.
 */
export function* sentenceSegments(text: string, window = SEGMENT_WINDOW): Generator<string> {
  const segmenter = sentenceSegmenter();
  let start = 0;
  while (text.length - start > window) {
    const segments: Array<{ segment: string; index: number }> = [...segmenter.segment(text.slice(start, start + window))];
    if (segments.length > 1) {
      for (let i = 0; i < segments.length - 1; i++) yield segments[i]!.segment;
      start += segments.at(-1)!.index;
      continue;
    }
    // No boundary in this window: the next one is further on (a segment found in a window that
    // starts mid-sentence begins at that window's start, so only the second one marks a boundary).
    let end = text.length;
    for (let from = start + window; from < text.length; from += window) {
      const next = [...segmenter.segment(text.slice(from, from + window + 1))];
      if (next.length > 1) {
        end = from + next[1]!.index;
        break;
      }
    }
    yield text.slice(start, end);
    start = end;
  }
  if (start < text.length) for (const { segment } of segmenter.segment(text.slice(start))) yield segment;
}

/** Sentences of a paragraph, each at most maxWords words and maxChars characters (a longer one is cut between words, a longer word within it). */
function sentencesOf(paragraph: string, { maxWords, maxChars }: ChunkOptions): string[] {
  const out: string[] = [];
  for (const segment of sentenceSegments(paragraph)) {
    const sentence = segment.trim();
    if (!sentence) continue;
    let piece: string[] = [];
    let length = 0;
    for (const word of sentence.split(/\s+/).flatMap((w) => (w.length <= maxChars ? [w] : (w.match(new RegExp(`[^]{1,${maxChars}}`, 'gu')) ?? [])))) {
      if (piece.length > 0 && (piece.length === maxWords || length + 1 + word.length > maxChars)) {
        out.push(piece.join(' '));
        piece = [];
        length = 0;
      }
      length += (piece.length > 0 ? 1 : 0) + word.length;
      piece.push(word);
    }
    if (piece.length > 0) out.push(piece.join(' '));
  }
  return out;
}

/**
 * Splits text into passages: paragraphs (blank lines) are kept together while they fit, sentences
 * are never cut (unless one alone is longer than maxWords), each passage has about targetWords
 * words and at most maxWords, and the next passage starts with the last overlapWords words' worth
 * of whole sentences of the previous one, so an answer spanning the boundary is found whole.
 */
export function chunkText(text: string, options: ChunkOptions = DEFAULT_CHUNKING): string[] {
  const units: Array<{ text: string; words: number; paragraphStart: boolean }> = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    sentencesOf(paragraph, options).forEach((s, i) => units.push({ text: s, words: wordCount(s), paragraphStart: i === 0 }));
  }
  const passages: string[] = [];
  let current: typeof units = [];
  let words = 0;
  const chars = (): number => current.reduce((n, u) => n + u.text.length + 2, 0);
  const fits = (unit: (typeof units)[number]): boolean => words + unit.words <= options.maxWords && chars() + unit.text.length <= options.maxChars;
  let fresh = 0; // units of `current` not carried over from the previous passage
  const close = (): void => {
    if (fresh === 0) return;
    passages.push(current.map((u, i) => (i > 0 && u.paragraphStart ? `\n\n${u.text}` : i > 0 ? ` ${u.text}` : u.text)).join(''));
    const carried: typeof units = [];
    let carriedWords = 0;
    for (let i = current.length - 1; i > 0; i--) {
      const u = current[i]!;
      if (carriedWords + u.words > options.overlapWords) break;
      carried.unshift(u);
      carriedWords += u.words;
    }
    current = carried;
    words = carriedWords;
    fresh = 0;
  };
  for (const unit of units) {
    if (!fits(unit)) close();
    // The overlap alone may still not leave room: drop it rather than exceed the limits.
    if (!fits(unit)) {
      current = [];
      words = 0;
    }
    current.push(unit);
    words += unit.words;
    fresh++;
    if (words >= options.targetWords) close();
  }
  close();
  return passages;
}
