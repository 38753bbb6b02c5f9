/* global process, URL, console */
// A real OpenID Connect provider (oidc-provider) on loopback, for the SSO e2e tests, run as
// a child process so that its clock can be skewed without touching the test runner's.
//
// Environment:
//   OIDC_CLIENTS    JSON [{client_id, client_secret, redirect_uris}]
//   OIDC_CLOCK_SKEW_S  seconds this provider's clock runs behind (its ID tokens are then expired)
//   OIDC_FORGE      "1": the JWKS it publishes is another key (same kid) than the one it signs with
//   OIDC_CONFORM    "1": the ID token carries no email (a client reads it from userinfo), as
//                   oidc-provider does by default; else the email claims are in the ID token
// Control: POST /__test/next-login {sub, email, email_verified, name?}: who the next
// authorization signs in as (the interaction completes by itself, consent included).
// Prints "READY <port>" once listening.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

const skew = Number(process.env.OIDC_CLOCK_SKEW_S ?? 0) * 1000;
if (skew) {
  // Both Date.now() and new Date() (jose stamps iat/exp with the latter).
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() - skew);
      else super(...args);
    }
    static now() {
      return RealDate.now() - skew;
    }
  };
}
const { default: Provider } = await import('oidc-provider');

const kid = 'test-key-1';
const jwk = (key) => ({ ...key.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

const accounts = new Map();
let next = null;
let handler = null;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/__test/next-login') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      next = JSON.parse(body);
      res.writeHead(204).end();
    });
    return;
  }
  if (process.env.OIDC_FORGE === '1' && url.pathname === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: [jwk(other.publicKey)] }));
    return;
  }
  handler(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: JSON.parse(process.env.OIDC_CLIENTS ?? '[]').map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [jwk(signing.privateKey)] },
    findAccount: (_ctx, id) => {
      const claims = accounts.get(id);
      return claims ? { accountId: id, claims: () => claims } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    conformIdTokenClaims: process.env.OIDC_CONFORM === '1',
    cookies: { keys: ['oidc-test-cookie-key'] },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  const callback = provider.callback();
  handler = async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.startsWith('/interaction/')) {
      try {
        const details = await provider.interactionDetails(req, res);
        if (!next) throw new Error('no next login set');
        accounts.set(next.sub, next);
        const grant = new provider.Grant({ accountId: next.sub, clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: next.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
      return;
    }
    callback(req, res);
  };
  console.log(`READY ${port}`);
});
