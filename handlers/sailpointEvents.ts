import { createHash, createHmac } from "node:crypto";
import express from "express";
import type { JmlReport } from "../integrations/sailpoint/jmlProvision";
import { classifySailpoint } from "../integrations/sailpoint/lifecycleEvents";
import type { LifecycleEventDoc } from "../integrations/sailpoint/lifecycleService";
import type { Store } from "../integrations/store/store";
import { StoreUnavailableError } from "../integrations/store/store";
import type { AuthResult } from "./webhookAuth";
import { safeEqual } from "./webhookAuth";

/**
 * POST /events/sailpoint (ISC event triggers, IdentityIQ lifecycle events) and POST /jml/csv.
 * The sender is authenticated from the headers and the raw bytes before anything is parsed;
 * a refused request changes nothing. An accepted event is stored (collection "lifecycle",
 * create-if-absent on its event id) before the 202, so redelivery is a no-op and a crash
 * after the answer loses nothing.
 */

export interface SailpointAuthOptions {
  hmacSecret?: string;
  bearerToken?: string;
  basicUser?: string;
  basicPassword?: string;
  replayWindowSeconds: number;
  /** No credential configured and the server is loopback-only: accept (local demo). */
  allowLocal: boolean;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export function authConfigured(o: SailpointAuthOptions): boolean {
  return Boolean(o.hmacSecret || o.bearerToken || (o.basicUser && o.basicPassword));
}

/**
 * Any one configured method that verifies is enough (a subscription uses one). HMAC: hex
 * HMAC-SHA256 of "<timestamp>.<raw body>" in X-SailPoint-Signature (optional "sha256=" prefix),
 * unix seconds in X-SailPoint-Timestamp within the replay window.
 */
export function verifySailpoint(
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
  o: SailpointAuthOptions,
  now: Date,
): AuthResult {
  if (!authConfigured(o)) {
    return o.allowLocal
      ? { ok: true, principal: "local" }
      : { ok: false, status: 401, problem: "no SailPoint webhook credential is configured" };
  }
  let problem = "missing or wrong SailPoint credentials";
  if (o.hmacSecret) {
    const sig = header(headers, "x-sailpoint-signature")?.replace(/^sha256=/i, "");
    const ts = header(headers, "x-sailpoint-timestamp");
    if (sig && ts && /^\d{1,12}$/.test(ts)) {
      const expected = createHmac("sha256", o.hmacSecret).update(`${ts}.`).update(raw).digest("hex");
      const fresh = Math.abs(now.getTime() / 1000 - Number(ts)) <= o.replayWindowSeconds;
      // Compare before judging freshness so timing says nothing about which check failed.
      const match = safeEqual(sig.toLowerCase(), expected);
      if (match && fresh) return { ok: true, principal: "sailpoint:hmac" };
      if (match) problem = "signature timestamp outside the replay window";
    }
  }
  const auth = header(headers, "authorization");
  if (o.bearerToken && auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (m && safeEqual(m[1], o.bearerToken)) return { ok: true, principal: "sailpoint:bearer" };
  }
  if (o.basicUser && o.basicPassword && auth) {
    const m = /^Basic\s+(\S+)$/i.exec(auth);
    if (m) {
      const decoded = Buffer.from(m[1], "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      const userOk = safeEqual(sep >= 0 ? decoded.slice(0, sep) : "", o.basicUser);
      const passOk = safeEqual(sep >= 0 ? decoded.slice(sep + 1) : "", o.basicPassword);
      if (userOk && passOk) return { ok: true, principal: `sailpoint:basic:${o.basicUser}` };
    }
  }
  return { ok: false, status: 401, problem };
}

export function lifecycleDocId(eventId: string): string {
  return `evt-${createHash("sha256").update(eventId).digest("hex").slice(0, 40)}`;
}

export interface SailpointRouteDeps {
  store: Store;
  auth: SailpointAuthOptions;
  leaverStates: string[];
  bodyLimit: string;
  now: () => Date;
  /** Called after the event is stored (the service processes it in the background). */
  accepted: (docId: string) => void;
  /** JML CSV import; undefined when AWS provisioning is not configured. */
  jml?: (csv: string, dryRun: boolean, actor: string) => Promise<JmlReport>;
  log: (level: "info" | "warn", msg: string, extra?: Record<string, unknown>) => void;
}

export function sailpointRouter(d: SailpointRouteDeps): express.Router {
  const r = express.Router();
  const raw = express.raw({ type: () => true, limit: d.bodyLimit });

  r.post("/events/sailpoint", raw, async (req, res) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const auth = verifySailpoint(req.headers, body, d.auth, d.now());
    if (!auth.ok) {
      d.log("warn", "sailpoint webhook refused", { problem: auth.problem });
      res.status(auth.status).json({ error: auth.problem });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      res.status(400).json({ error: "body is not JSON" });
      return;
    }
    const trigger =
      (typeof req.query.trigger === "string" ? req.query.trigger : undefined) ??
      header(req.headers, "x-sailpoint-trigger");
    const c = classifySailpoint(json, {
      trigger,
      headerId: header(req.headers, "x-sailpoint-event-id"),
      bodyHash: createHash("sha256").update(body).digest("hex"),
      leaverStates: d.leaverStates,
      now: d.now(),
    });
    if (!c.ok) {
      res.status(400).json({ error: c.problem });
      return;
    }
    const change = c.change;
    const id = lifecycleDocId(change.eventId);
    const doc: LifecycleEventDoc = {
      eventId: change.eventId,
      identityId: change.email ?? change.sailpointId ?? "unknown",
      at: change.at,
      change: change.kind,
      detail: change.detail,
      status: "pending",
      receivedAt: d.now().toISOString(),
      payload: change,
    };
    let created: boolean;
    try {
      created = await d.store.create("lifecycle", id, doc);
    } catch (err) {
      const status = err instanceof StoreUnavailableError ? 503 : 500;
      res.status(status).json({ error: "could not store the event; retry" });
      return;
    }
    if (created) d.accepted(id);
    res
      .status(created ? 202 : 200)
      .json({ id, eventId: change.eventId, kind: change.kind, duplicate: !created });
  });

  const jmlRoute = async (req: express.Request, res: express.Response) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const auth = verifySailpoint(req.headers, body, d.auth, d.now());
    if (!auth.ok) {
      res.status(auth.status).json({ error: auth.problem });
      return;
    }
    if (!d.jml) {
      res.status(503).json({ error: "JML provisioning is not configured (set JML_POSITIONS)" });
      return;
    }
    const dryRun = req.query.dryRun === "true" || req.query.dryRun === "1";
    const report = await d.jml(body.toString("utf8"), dryRun, auth.principal);
    res.status(200).json(report);
  };
  r.post("/jml/csv", raw, jmlRoute);
  r.post("/events/jml", raw, jmlRoute);
  return r;
}
