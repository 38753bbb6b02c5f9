import { Tiktoken } from 'js-tiktoken/lite';
import cl100k_base from 'js-tiktoken/ranks/cl100k_base';

let encoder: Tiktoken | undefined;

/**
 * Byte-pair merging in js-tiktoken is quadratic (worse for repeated characters) in the length of
 * one pre-token: a 512-character run of one letter took 0.6 s here, 16,000 of them minutes. Runs
 * without whitespace longer than LONG_RUN are therefore encoded in RUN_SLICE pieces: bounded work
 * (about 1 ms a piece in the worst case), and at most a token more per piece than the true count.
 */
const LONG_RUN = /\S{33,}/g;
const RUN_SLICE = 16;

/**
 * Tokens in `text` by cl100k_base (offline ranks shipped in js-tiktoken): the count used when a
 * provider reports none (the extractive provider, an OpenAI-compatible server without `usage`).
 * Built on first use (the ranks take a moment to load).
 */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100k_base);
  const enc = encoder;
  let count = 0;
  let at = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    count += enc.encode(text.slice(at, run.index)).length;
    for (let i = 0; i < run[0].length; i += RUN_SLICE) count += enc.encode(run[0].slice(i, i + RUN_SLICE)).length;
    at = run.index + run[0].length;
  }
  return count + (at < text.length ? enc.encode(text.slice(at)).length : 0);
}

/** A chat prompt's tokens, counted as OpenAI documents it for chat models: each message adds 3, the reply's priming 3. */
export function countPromptTokens(messages: ReadonlyArray<{ role: string; content: string }>): number {
  return messages.reduce((n, m) => n + 3 + countTokens(m.role) + countTokens(m.content), 3);
}
