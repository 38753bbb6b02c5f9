import { convert } from 'html-to-text';
import type { MessagePort } from 'node:worker_threads';

/**
 * Text extraction proper: pure functions that run on an extraction thread
 * (text-extraction.worker.ts), never on the API's event loop. Nothing here may import Nest or
 * another lib: a thread loads only this and its two parsers.
 */
export type ExtractionTask = { kind: 'pdf'; data: Uint8Array } | { kind: 'html'; text: string };

/** A task as a thread receives it: with the port on which it says that it has started. */
export type ThreadTask = ExtractionTask & { started?: MessagePort };

/** What a thread answers: the text, or why the file cannot be read (the caller makes it a 415). */
export type ExtractionOutcome = { text: string } | { unreadable: string };

/** HTML to plain text: scripts, styles and other non-content elements are dropped, links keep their text only. */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'noscript', format: 'skip' },
      { selector: 'template', format: 'skip' },
      { selector: 'iframe', format: 'skip' },
      { selector: 'svg', format: 'skip' },
      { selector: 'head', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
    ],
  }).trim();
}

/**
 * The text of a PDF, page by page (pdf.js, no eval, no fonts loaded). pdf.js without its own
 * worker parses on the calling thread in microtasks, which is why this runs on an extraction
 * thread: on the event loop it would hold every other request until the last page.
 */
export async function pdfToText(data: Uint8Array): Promise<ExtractionOutcome> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: true, verbosity: 0 });
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const page = await pdf.getPage(i);
      const content = await page.getTextContent();
      const parts: string[] = [];
      for (const item of content.items) {
        if (!('str' in item)) continue;
        parts.push(item.str);
        if (item.hasEOL) parts.push('\n');
        else if (item.str && !item.str.endsWith(' ')) parts.push(' ');
      }
      pages.push(parts.join('').replace(/[ \t]+\n/g, '\n').trim());
      page.cleanup();
    }
    return { text: pages.join('\n\n').replaceAll('\u0000', '').trim() };
  } catch (error) {
    return { unreadable: `The PDF could not be read: ${(error as Error).message?.slice(0, 200) ?? 'unknown error'}` };
  } finally {
    await task.destroy();
  }
}

export async function extract(task: ExtractionTask): Promise<ExtractionOutcome> {
  return task.kind === 'pdf' ? pdfToText(task.data) : { text: htmlToText(task.text) };
}
