/**
 * The local OpenID Connect issuer customers sign in with, run by `npm start` and the tests beside
 * the regions (one identity for every region, as in the clusters). It is panva's oidc-provider, an
 * OpenID Certified implementation: discovery, a JWKS with keys made at start, signed JWT access
 * tokens with an audience and an expiry. (Dex, the usual choice, is not served by this machine's
 * Go module proxy past its 2018 release; a Java one such as Keycloak needs images we cannot pull.)
 *
 * The one thing it adds is the demo directory: every customer id is a user whose password is
 * derived from the run's secret (demoPassword), and a public client signs them in with the
 * resource owner password grant, so `npm run token -- alice` and the tests get a token without a
 * browser. In the clusters the region config names a real issuer instead (k8s/region.ts `auth`).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type JWK, errors } from "oidc-provider";
import { customerIdSchema } from "../../services/shared/events/order-input.js";
import { secretEquals } from "../../services/shared/http/secret-equal.js";
import { demoPassword } from "./demo-directory.js";
import { customerAuth } from "../../platform/auth.js";

/** An issuer on `port`, its audience the one the gateways demand. */
export async function issuerProvider(issuerUrl: string, secret: string): Promise<Provider> {
  // An ES256 key made now: a restarted issuer invalidates every earlier token, as a key rotation would.
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: "ES256", use: "sig", kid: randomUUID() };
  // The one API tokens are for: JWT access tokens (RFC 9068) the gateways verify with the JWKS.
  const resourceServer = {
    scope: customerAuth.scope,
    audience: customerAuth.localAudience,
    accessTokenTTL: customerAuth.tokenTtlSeconds,
    accessTokenFormat: "jwt",
    jwt: { sign: { alg: "ES256" } },
  } as const;
  const provider = new Provider(issuerUrl, {
    clients: [
      {
        client_id: customerAuth.localClientId,
        token_endpoint_auth_method: "none",
        id_token_signed_response_alg: "ES256",
        grant_types: [customerAuth.passwordGrant],
        response_types: [],
        redirect_uris: [],
      },
    ],
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => customerAuth.localAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== customerAuth.localAudience) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return resourceServer;
        },
      },
    },
    jwks: { keys: [signingKey as JWK] },
    ttl: { AccessToken: customerAuth.tokenTtlSeconds, Grant: customerAuth.tokenTtlSeconds },
  });

  provider.registerGrantType(
    customerAuth.passwordGrant,
    async (ctx) => {
      const params = ctx.oidc.params as { username?: string; password?: string; scope?: string };
      const customer = customerIdSchema.safeParse(params.username);
      if (!customer.success || !params.password || !secretEquals(params.password, demoPassword(secret, customer.data))) {
        throw new errors.InvalidGrant("unknown customer or wrong password");
      }
      const client = ctx.oidc.client!;
      // A grant per sign-in, as the code flow would record on consent: the token names it.
      const grant = new ctx.oidc.provider.Grant({ accountId: customer.data, clientId: client.clientId });
      grant.addResourceScope(customerAuth.localAudience, customerAuth.scope);
      const token = new ctx.oidc.provider.AccessToken({
        accountId: customer.data,
        client,
        grantId: await grant.save(),
        gty: customerAuth.passwordGrant,
        scope: customerAuth.scope,
      });
      token.resourceServer = new ctx.oidc.provider.ResourceServer(customerAuth.localAudience, resourceServer);
      ctx.body = {
        access_token: await token.save(),
        token_type: "Bearer",
        expires_in: token.expiration,
        scope: token.scope,
      };
    },
    ["username", "password", "scope"],
  );
  provider.on("server_error", (_ctx, err) => process.stderr.write(`issuer: ${err.stack ?? String(err)}\n`));
  return provider;
}

/** Run as a process: ISSUER_PORT and the secret's file come from the runner (scripts/local/system.ts). */
if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env["ISSUER_PORT"]);
  const secret = readFileSync(process.env["ISSUER_SECRET_FILE"] ?? "", "utf8").trim();
  const provider = await issuerProvider(`http://127.0.0.1:${port}`, secret);
  createServer(provider.callback()).listen(port, "127.0.0.1", () => process.stdout.write(`issuer on 127.0.0.1:${port}\n`));
}
