// The entry of an extraction thread (piscina): loaded once per thread, one task at a time.
// pdf.js is loaded when the thread starts, so a task's time budget is spent on the file only.
import 'pdfjs-dist/legacy/build/pdf.mjs';
import { extract, type ExtractionOutcome, type ExtractionTask } from './text-extraction.util.js';

export default function run(task: ExtractionTask): Promise<ExtractionOutcome> {
  return extract(task);
}
