import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed } from '../../common/src/index.js';

export interface OutboundResponse {
  status: number;
}

/**
 * A DNS lookup that answers only allowed addresses: a name that resolves to a private or
 * link-local address (or loopback in production) fails to connect. The check is on the
 * address actually connected to, so DNS rebinding between a check and the request is no way in.
 */
function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = (Array.isArray(addresses) ? addresses : [addresses]).filter((a) => addressAllowed(a.address, allowLoopback));
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to no allowed address (private, link-local or loopback)`), { code: 'EADDRNOTALLOWED' }), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** POSTs a JSON body; never follows redirects; the response body is drained and ignored. */
export function postJson(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowLoopback: boolean }): Promise<OutboundResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body).toString(), ...headers },
        lookup: guardedLookup(options.allowLoopback),
        timeout: options.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
