// The same client as http.ts, over node:http instead of fetch. fetch (undici) silently drops
// a `host` header (a forbidden header name), so subdomain resolution can only be tested
// with this one. Keep-alive, so a burst of requests reuses sockets.
import { Agent, request as httpRequest } from 'node:http';
import { type HttpResponse, outgoing, parseBody, type Request, type RequestOptions } from './http.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** A client for one API base URL that sends every header as given (Host included). */
export function nodeClient(baseUrl: string): Request {
  const base = new URL(baseUrl);
  return function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const { headers, body } = outgoing(options);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { agent, host: base.hostname, port: base.port, method, path, headers, setHost: headers.host === undefined && headers.Host === undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const parsed = parseBody(Buffer.concat(chunks).toString('utf8'));
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value === undefined) continue;
              for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: responseHeaders });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
}
