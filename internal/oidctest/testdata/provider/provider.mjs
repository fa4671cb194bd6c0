// A real OpenID Provider for fiberjwt's tests: panva's oidc-provider (an
// OpenID Certified implementation, not ours), configured for loopback.
//
//	node provider.mjs
//
// Environment:
//	OIDC_CLIENTS  JSON array of client metadata (client_id, client_secret,
//	              redirect_uris, ...), as oidc-provider takes them.
//	OIDC_PORT     port to listen on 127.0.0.1 (default: any free one).
//
// When it listens it prints one line of JSON, {"issuer":"http://127.0.0.1:PORT"},
// and serves until killed. Its login page is oidc-provider's own development
// page ("Enter any login"): any login signs in as the account of that name,
// whose claims are sub = the login, email = login@example.test (verified)
// and name = the login capitalised. Consent is implied for every client
// (these are first-party test clients), so the flow goes from the login page
// straight back to the client.
import http from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

// Signing keys made at start: RS256 (the default for ID tokens) and
// Ed25519, published with "alg":"Ed25519" (RFC 9864) as jose 6 writes it; a
// client asks for the latter with id_token_signed_response_alg.
const jwks = { keys: [] };
for (const alg of ['RS256', 'Ed25519']) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  jwks.keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: alg.toLowerCase() });
}

const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const port = Number(process.env.OIDC_PORT || 0);

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    jwks,
    cookies: { keys: ['fiberjwt-oidctest-cookie-key-0123456789'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@example.test`,
            email_verified: true,
            name: id.charAt(0).toUpperCase() + id.slice(1),
          };
        },
      };
    },
    // First-party clients: grant what they ask for, no consent page.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        return ctx.oidc.provider.Grant.find(grantId);
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true } },
  });
  // oidc-provider warns on stderr that the development interactions and
  // keys are not for production: true, and expected here.
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
