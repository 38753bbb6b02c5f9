import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './error-body.js';

/** How long a refused connection keeps reading (and dropping) what its client still sends. */
export const CLIENT_ERROR_LINGER_MS = 2_000;

const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`, for requests Node's HTTP parser refuses before any route (a
 * header over 16 KB, a NUL or control character in a header, a malformed request line).
 * Fastify's default writes the answer and destroys the socket at once; with bytes of the request
 * still unread, the kernel then resets the connection, and a client still sending loses the
 * answer. This one answers in our error shape and closes by halves (a lingering close): it ends
 * its side after the answer, keeps reading and dropping what arrives until the client closes,
 * and destroys the socket only after `lingerMs`.
 */
export function lingeringClientErrorHandler(lingerMs = CLIENT_ERROR_LINGER_MS): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    // the errored parser reports every further chunk again: answer once
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message = status === 431 ? 'Request headers too large' : status === 408 ? 'Request timeout' : 'Malformed HTTP request';
    const body = JSON.stringify(errorBody(status, message));
    const timer = setTimeout(() => socket.destroy(), lingerMs).unref();
    socket.once('close', () => clearTimeout(timer));
    if (!socket.writable) return void socket.destroy();
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
