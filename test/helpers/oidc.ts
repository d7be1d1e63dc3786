import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";

/**
 * A local stand-in for Google's OIDC signing certificates: an RSA key made in the test, its
 * public key served as Google serves PEM certs ({kid: pem}), and a signer for push tokens.
 */
export interface OidcStandIn {
  certsUrl: string;
  sign(claims: Record<string, unknown>, opts?: { kid?: string; key?: "good" | "other" }): string;
  close(): Promise<void>;
}

function b64url(v: Buffer | string): string {
  return Buffer.from(v).toString("base64url");
}

export async function startOidcStandIn(): Promise<OidcStandIn> {
  const good = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID().replace(/-/g, "");
  const pem = good.publicKey.export({ type: "spki", format: "pem" }).toString();
  const server: Server = createServer((req, res) => {
    if (req.url === "/oauth2/v1/certs") {
      res.setHeader("content-type", "application/json");
      res.setHeader("cache-control", "public, max-age=3600");
      res.end(JSON.stringify({ [kid]: pem }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    certsUrl: `http://127.0.0.1:${port}/oauth2/v1/certs`,
    sign(claims, opts = {}) {
      const header = { alg: "RS256", typ: "JWT", kid: opts.kid ?? kid };
      const now = Math.floor(Date.now() / 1000);
      const body = { iss: "https://accounts.google.com", iat: now, exp: now + 3600, ...claims };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(body))}`;
      const signer = createSign("RSA-SHA256");
      signer.update(input);
      const sig = signer.sign(opts.key === "other" ? other.privateKey : good.privateKey);
      return `${input}.${b64url(sig)}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
