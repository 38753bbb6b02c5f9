/** How documents are cut into passages for retrieval. */
export interface ChunkOptions {
  /** A passage is closed once it reaches this many words (at a sentence boundary). */
  targetWords: number;
  /** No passage is longer than this; a longer sentence is cut between words. */
  maxWords: number;
  /** Trailing words of a passage repeated at the start of the next (whole sentences). */
  overlapWords: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { targetWords: 250, maxWords: 400, overlapWords: 50 };

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

const wordCount = (s: string): number => (s.match(/\S+/g) ?? []).length;

/** Sentences of a paragraph, each at most maxWords words (a longer one is cut between words). */
function sentencesOf(paragraph: string, maxWords: number): string[] {
  const out: string[] = [];
  for (const { segment } of sentenceSegmenter.segment(paragraph)) {
    const sentence = segment.trim();
    if (!sentence) continue;
    const words = sentence.split(/\s+/);
    for (let i = 0; i < words.length; i += maxWords) out.push(words.slice(i, i + maxWords).join(' '));
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
    sentencesOf(paragraph, options.maxWords).forEach((s, i) => units.push({ text: s, words: wordCount(s), paragraphStart: i === 0 }));
  }
  const passages: string[] = [];
  let current: typeof units = [];
  let words = 0;
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
    if (words + unit.words > options.maxWords) close();
    // The overlap alone may still not leave room: drop it rather than exceed maxWords.
    if (words + unit.words > options.maxWords) {
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
