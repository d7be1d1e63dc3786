import type { Request } from "express";
import type { AuthResult } from "./webhookAuth";

/** Loopback peer addresses, IPv4 and IPv6 (including IPv4-mapped). */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

/**
 * The zero-configuration demo: with no secret configured a route accepts unauthenticated
 * requests, but only from this machine (the server also binds loopback only in that case).
 */
export function localOnly(req: Request, source: string): AuthResult {
  if (isLoopbackAddress(req.socket.remoteAddress)) return { ok: true, principal: "local" };
  return {
    ok: false,
    status: 401,
    problem: `${source} webhook has no credentials configured; only local requests are accepted`,
  };
}
