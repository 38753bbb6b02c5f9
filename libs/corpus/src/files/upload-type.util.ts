import { DomainError } from '../../../common/src/index.js';

/** The kinds of upload accepted, decided by content (the name only breaks ties between text kinds). */
export type UploadKind = 'pdf' | 'html' | 'markdown' | 'text';

export const MIME_BY_KIND: Record<UploadKind, string> = {
  pdf: 'application/pdf',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
};

const EXTENSIONS: Record<string, UploadKind> = { pdf: 'pdf', html: 'html', htm: 'html', md: 'markdown', markdown: 'markdown', txt: 'text', text: 'text' };
const DECLARED_MIMES: Record<string, UploadKind> = {
  'application/pdf': 'pdf',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
};
/** Declared types that say nothing (browsers and curl send these for unknown files). */
const NEUTRAL_MIMES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

/** Binary formats recognised by their magic bytes, so the refusal can name them. */
const MAGIC: Array<{ name: string; bytes: number[] }> = [
  { name: 'PNG image', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { name: 'JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { name: 'GIF image', bytes: [0x47, 0x49, 0x46, 0x38] },
  { name: 'ZIP archive (or an Office document)', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'gzip archive', bytes: [0x1f, 0x8b] },
  { name: 'ELF executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'Windows executable', bytes: [0x4d, 0x5a] },
  { name: 'WebP/RIFF file', bytes: [0x52, 0x49, 0x46, 0x46] },
  { name: 'OLE document', bytes: [0xd0, 0xcf, 0x11, 0xe0] },
];

export class UnsupportedFileType extends DomainError {
  constructor(message: string, details?: unknown) {
    super('unsupported_media_type', 'unsupported_file_type', message, details);
  }
}

export class FileTooLarge extends DomainError {
  constructor(maxBytes: number) {
    super('payload_too_large', 'file_too_large', `The file is larger than the upload limit of ${Math.floor(maxBytes / 1024 / 1024)} MB (MAX_UPLOAD_MB)`, { max_bytes: maxBytes });
  }
}

export class ExtractedTextTooLarge extends DomainError {
  constructor(chars: number, max: number) {
    super('payload_too_large', 'extracted_text_too_large', `The file's text has ${chars} characters; a document holds at most ${max}`, { chars, max_chars: max });
  }
}

function extensionOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : undefined;
}

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const looksLikeHtml = (text: string): boolean => /^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(text.slice(0, 2048));

/**
 * What the upload really is. The content decides: `%PDF-` makes a PDF; otherwise it must be
 * valid UTF-8 without NUL (what a text document is), else 415 naming what it looks like.
 * The name and declared type only choose between the text kinds, and a declared type outside
 * the accepted ones (say `.exe`, `image/png`) is refused even when the bytes are text.
 */
export function detectUpload(name: string, declaredMime: string, buf: Buffer): { kind: UploadKind; text?: string } {
  const ext = extensionOf(name);
  const byExt = ext === undefined ? undefined : EXTENSIONS[ext];
  if (ext !== undefined && byExt === undefined) {
    throw new UnsupportedFileType(`'.${ext.slice(0, 20)}' files are not accepted: upload txt, md, html or pdf`, { accepted: Object.keys(EXTENSIONS) });
  }
  const mime = declaredMime.split(';')[0]!.trim().toLowerCase();
  const byMime = DECLARED_MIMES[mime];
  if (!NEUTRAL_MIMES.has(mime) && byMime === undefined) {
    throw new UnsupportedFileType(`Content type '${mime.slice(0, 100)}' is not accepted: upload txt, md, html or pdf`);
  }
  if (buf.length === 0) throw new UnsupportedFileType('The file is empty');
  if (buf.subarray(0, 1024).includes('%PDF-')) return { kind: 'pdf' };
  const magic = MAGIC.find((m) => startsWith(buf, m.bytes));
  if (magic) throw new UnsupportedFileType(`The file is a ${magic.name}, whatever its name says: upload txt, md, html or pdf`, { detected: magic.name });
  if (byExt === 'pdf' || byMime === 'pdf') throw new UnsupportedFileType('The file is named or declared a PDF but is not one (no %PDF- header)');
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw new UnsupportedFileType('The file is neither a PDF nor UTF-8 text');
  }
  if (text.includes('\u0000')) throw new UnsupportedFileType('The file holds NUL bytes: it is binary, not text');
  const declared = byExt ?? byMime;
  const kind: UploadKind = declared === 'html' || (declared === undefined && looksLikeHtml(text)) ? 'html' : declared === 'markdown' ? 'markdown' : 'text';
  return { kind, text };
}
