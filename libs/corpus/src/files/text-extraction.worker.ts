// The entry of an extraction thread (piscina): loaded once per thread, one task at a time.
// pdf.js is loaded when the thread starts, so a task's time budget is spent on the file only.
import 'pdfjs-dist/legacy/build/pdf.mjs';
import { extract, type ExtractionOutcome, type ThreadTask } from './text-extraction.util.js';

export default function run({ started, ...task }: ThreadTask): Promise<ExtractionOutcome> {
  // The budget starts now (TextExtractor): the thread is up and pdf.js loaded.
  started?.postMessage('started'); // the caller closes the channel when the task ends
  return extract(task);
}
