import { createHash, timingSafeEqual } from "node:crypto";
import { OAuth2Client } from "google-auth-library";

/**
 * Sender authentication for the webhooks, done from headers alone before the body is read
 * for meaning. Every comparison of a secret is constant-time.
 */

export type AuthResult = { ok: true; principal: string } | { ok: false; status: 401 | 403; problem: string };

/** Constant-time string equality (hashing first makes lengths equal, so length leaks nothing). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m ? m[1] : undefined;
}

/**
 * Verifies the OIDC token Pub/Sub push attaches (Authorization: Bearer <JWT>): Google's
 * signature (certs fetched and cached by google-auth-library), audience, issuer, expiry, and
 * that it was minted for the configured service account with a verified email.
 */
export class PubSubOidcVerifier {
  private client: OAuth2Client;

  constructor(
    private readonly audience: string,
    private readonly serviceAccount: string,
    certsUrl?: string,
  ) {
    this.client = new OAuth2Client(
      certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: certsUrl } } : {},
    );
  }

  async verify(authorization: string | undefined): Promise<AuthResult> {
    const token = bearer(authorization);
    if (!token) return { ok: false, status: 401, problem: "missing bearer token (Pub/Sub push OIDC)" };
    let payload: { email?: string; email_verified?: boolean } | undefined;
    try {
      const ticket = await this.client.verifyIdToken({ idToken: token, audience: this.audience });
      payload = ticket.getPayload();
    } catch (err) {
      return { ok: false, status: 401, problem: `invalid OIDC token: ${oidcProblem(err)}` };
    }
    if (!payload?.email || payload.email_verified !== true) {
      return { ok: false, status: 403, problem: "OIDC token has no verified email" };
    }
    if (payload.email.toLowerCase() !== this.serviceAccount.toLowerCase()) {
      return {
        ok: false,
        status: 403,
        problem: "OIDC token was issued to a service account that is not allowed",
      };
    }
    return { ok: true, principal: payload.email };
  }
}

/** A short reason that never echoes the token itself. */
function oidcProblem(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/audience/i.test(msg)) return "wrong audience";
  if (/expired|too late/i.test(msg)) return "token expired";
  if (/early|used too early/i.test(msg)) return "token not yet valid";
  if (/issuer/i.test(msg)) return "wrong issuer";
  if (/signature|pem|certificate|no pem found/i.test(msg)) return "bad signature";
  if (/wrong number of segments|segments|parse/i.test(msg)) return "malformed token";
  return "verification failed";
}

/** EventBridge API destination: API-key header, or basic auth, as its connection is set up. */
export function verifyEventBridge(
  headers: Record<string, string | string[] | undefined>,
  opts: { apiKey?: string; apiKeyHeader: string; basicUser?: string; basicPassword?: string },
): AuthResult {
  if (opts.apiKey) {
    const got = headers[opts.apiKeyHeader.toLowerCase()];
    if (typeof got === "string" && safeEqual(got, opts.apiKey)) return { ok: true, principal: "eventbridge" };
  }
  if (opts.basicUser && opts.basicPassword) {
    const auth = headers.authorization;
    const m = typeof auth === "string" ? /^Basic\s+(\S+)$/i.exec(auth) : null;
    if (m) {
      const decoded = Buffer.from(m[1], "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      const user = sep >= 0 ? decoded.slice(0, sep) : "";
      const pass = sep >= 0 ? decoded.slice(sep + 1) : "";
      // Evaluate both comparisons always, so timing says nothing about which part was wrong.
      const userOk = safeEqual(user, opts.basicUser);
      const passOk = safeEqual(pass, opts.basicPassword);
      if (userOk && passOk) return { ok: true, principal: `basic:${opts.basicUser}` };
    }
  }
  return { ok: false, status: 401, problem: "missing or wrong EventBridge credentials" };
}
