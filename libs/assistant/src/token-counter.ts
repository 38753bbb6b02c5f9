import { Tiktoken } from 'js-tiktoken/lite';
import cl100k_base from 'js-tiktoken/ranks/cl100k_base';

let encoder: Tiktoken | undefined;

/**
 * Tokens in `text` by cl100k_base (offline ranks shipped in js-tiktoken): the count used when a
 * provider reports none (the extractive provider, an OpenAI-compatible server without `usage`).
 * Built on first use (the ranks take a moment to load).
 */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100k_base);
  return text ? encoder.encode(text).length : 0;
}

/** A chat prompt's tokens, counted as OpenAI documents it for chat models: each message adds 3, the reply's priming 3. */
export function countPromptTokens(messages: ReadonlyArray<{ role: string; content: string }>): number {
  return messages.reduce((n, m) => n + 3 + countTokens(m.role) + countTokens(m.content), 3);
}
