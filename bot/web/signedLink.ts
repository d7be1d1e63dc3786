import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Signed, expiring links to incident pages: /incidents/:id?exp=<unix s>&sig=<hex>, where sig
 * is HMAC-SHA256(secret, "<id>.<exp>"). Anyone holding a card can open its page from a phone
 * without logging in; nobody can guess one, and an old link stops working.
 */
export function signIncidentLink(publicUrl: string, id: string, secret: string, expiresAt: Date): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  const base = publicUrl.replace(/\/+$/, "");
  return `${base}/incidents/${encodeURIComponent(id)}?exp=${exp}&sig=${signature(id, exp, secret)}`;
}

function signature(id: string, exp: number, secret: string): string {
  return createHmac("sha256", secret).update(`${id}.${exp}`).digest("hex");
}

export type LinkCheck = "ok" | "bad" | "expired";

export function checkIncidentLink(
  id: string,
  exp: unknown,
  sig: unknown,
  secret: string,
  now: Date,
): LinkCheck {
  if (
    typeof exp !== "string" ||
    typeof sig !== "string" ||
    !/^\d{1,12}$/.test(exp) ||
    !/^[0-9a-f]{64}$/.test(sig)
  ) {
    return "bad";
  }
  const expected = Buffer.from(signature(id, Number(exp), secret), "hex");
  if (!timingSafeEqual(expected, Buffer.from(sig, "hex"))) return "bad";
  return Number(exp) * 1000 < now.getTime() ? "expired" : "ok";
}

/**
 * LINK_SIGNING_SECRET, or a random key for this process (links then die on restart and are
 * not shared between replicas); `warn` is told which, so start-up can say so.
 */
export function resolveLinkSecret(configured: string | undefined, warn: (msg: string) => void): string {
  if (configured) return configured;
  warn(
    "LINK_SIGNING_SECRET is not set: incident-page links are signed with a random key made at start-up; they stop working on restart and differ between replicas.",
  );
  return randomBytes(32).toString("hex");
}
