import type { FastifyRequest } from 'fastify';
import { DomainError, ValidationFailed } from '../../../common/src/index.js';
import { FileTooLarge, UnsupportedFileType } from './upload-type.util.js';

/** Room for the multipart framing around the file (boundaries, part headers, a few small fields). */
const MULTIPART_OVERHEAD = 64 * 1024;

export interface ReceivedUpload {
  name: string;
  declaredMime: string;
  data: Buffer;
}

interface MultipartError {
  code?: string;
  message?: string;
}

/**
 * Reads the multipart field `file` of the request, at most `maxBytes` of it: a body that
 * announces more is refused before a byte is read, and a stream that runs past the limit is
 * cut there (busboy's fileSize limit), never buffered whole.
 */
export async function readUpload(req: FastifyRequest, maxBytes: number): Promise<ReceivedUpload> {
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > maxBytes + MULTIPART_OVERHEAD) throw new FileTooLarge(maxBytes);
  if (!req.isMultipart()) throw new UnsupportedFileType('Send the file as multipart/form-data, in the field `file`');
  try {
    const part = await req.file({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 50, fieldNameSize: 100 } });
    if (!part) throw new ValidationFailed('No file in the request: send it in the multipart field `file`', [{ field: 'file', message: 'required' }]);
    if (part.fieldname !== 'file') {
      part.file.resume();
      throw new ValidationFailed(`The file must be in the multipart field \`file\`, not \`${part.fieldname.slice(0, 100)}\``, [{ field: 'file', message: 'required' }]);
    }
    const data = await part.toBuffer();
    if (part.file.truncated) throw new FileTooLarge(maxBytes);
    return { name: part.filename ?? '', declaredMime: part.mimetype ?? '', data };
  } catch (error) {
    const code = (error as MultipartError).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new FileTooLarge(maxBytes);
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') throw new UnsupportedFileType('Send the file as multipart/form-data, in the field `file`');
    if (error instanceof DomainError) throw error;
    // Everything else in here is the request body failing to parse (truncated or malformed
    // multipart, a client that went away): the client's fault, never a 500.
    throw new ValidationFailed(`Malformed multipart body: ${String((error as Error).message ?? code).slice(0, 200)}`);
  }
}
