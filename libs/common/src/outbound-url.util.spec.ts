import { describe, expect, it } from 'vitest';
import { addressAllowed, outboundUrlProblem } from './outbound-url.util.js';

describe('outbound addresses (SSRF)', () => {
  it.each(['93.184.216.34', '2606:2800:220:1::1'])('allows the public address %s', (ip) => expect(addressAllowed(ip, false)).toBe(true));
  it.each(['10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', 'fe80::1', 'fc00::1', '::ffff:10.0.0.1', '::', 'not-an-ip'])(
    'refuses %s',
    (ip) => expect(addressAllowed(ip, true)).toBe(false),
  );
  it('allows loopback only when told to (outside production)', () => {
    expect(addressAllowed('127.0.0.1', true)).toBe(true);
    expect(addressAllowed('::1', true)).toBe(true);
    expect(addressAllowed('127.0.0.1', false)).toBe(false);
    expect(addressAllowed('::ffff:127.0.0.1', false)).toBe(false);
  });
  it('judges webhook URLs', () => {
    expect(outboundUrlProblem('https://hooks.example.com/x', false)).toBeUndefined();
    expect(outboundUrlProblem('http://localhost:8080/x', true)).toBeUndefined();
    expect(outboundUrlProblem('http://127.0.0.1:8080/x', true)).toBeUndefined();
    expect(outboundUrlProblem('http://localhost:8080/x', false)).toBe('must be https');
    expect(outboundUrlProblem('https://localhost/x', false)).toBe('must not point at this host');
    expect(outboundUrlProblem('http://hooks.example.com/x', true)).toContain('https');
    expect(outboundUrlProblem('https://10.0.0.1/x', true)).toContain('private');
    expect(outboundUrlProblem('https://[::ffff:a9fe:a9fe]/x', true)).toContain('private');
    expect(outboundUrlProblem('https://u:p@example.com/', true)).toBe('must not carry credentials');
    expect(outboundUrlProblem('https://intranet/x', true)).toBe('must name a public host');
    expect(outboundUrlProblem('ftp://example.com/x', true)).toContain('https');
    expect(outboundUrlProblem(42, true)).toBeDefined();
    expect(outboundUrlProblem('x'.repeat(3000), true)).toBeDefined();
  });
});
