import type { NextFunction, Request, Response } from "express";
import express from "express";
import { normalizeRecord } from "../detection/normalize";
import type { Store } from "../integrations/store/store";
import { StoreUnavailableError } from "../integrations/store/store";
import type { RawRecord } from "./envelopes";
import { EnvelopeError } from "./envelopes";
import type { AuthResult } from "./webhookAuth";

/**
 * The one way a webhook takes events in: authenticate from headers, read the raw body within
 * its size limit, parse, take the records out of their envelope, validate each against its
 * normalizer, and answer 2xx only once every record is durably in the inbox. Any rejection
 * answers a JSON 4xx naming the problem and writes nothing.
 */

export interface IntakeMetrics {
  received(source: string): void;
  accepted(source: string, n: number): void;
  rejected(source: string, reason: string): void;
}

export interface IntakeOptions {
  source: "gcp" | "aws";
  store: Store;
  bodyLimit: string;
  authenticate(req: Request): Promise<AuthResult> | AuthResult;
  extract(body: unknown, req: Request): RawRecord[];
  /** Called after records are durable, to wake the worker. */
  onAccepted?(ids: string[]): void;
  metrics?: IntakeMetrics;
  /** Largest number of records one request may carry. */
  maxRecords?: number;
}

function reject(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

export function intakeRoute(opts: IntakeOptions): express.RequestHandler[] {
  const maxRecords = opts.maxRecords ?? 10_000;
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    opts.metrics?.received(opts.source);
    try {
      const auth = await opts.authenticate(req);
      if (!auth.ok) {
        opts.metrics?.rejected(opts.source, "auth");
        res.setHeader("WWW-Authenticate", "Bearer");
        return reject(res, auth.status, auth.problem);
      }
      next();
    } catch (err) {
      next(err);
    }
  };
  const raw = express.raw({ type: () => true, limit: opts.bodyLimit });
  const accept = async (req: Request, res: Response) => {
    const buf = req.body;
    if (!Buffer.isBuffer(buf) || buf.length === 0) {
      opts.metrics?.rejected(opts.source, "empty");
      return reject(res, 400, "empty body: expected a JSON event");
    }
    let body: unknown;
    try {
      body = JSON.parse(buf.toString("utf8"));
    } catch (err) {
      opts.metrics?.rejected(opts.source, "json");
      return reject(res, 400, `malformed JSON: ${(err as Error).message.slice(0, 200)}`);
    }
    let records: RawRecord[];
    try {
      records = opts.extract(body, req);
    } catch (err) {
      opts.metrics?.rejected(opts.source, "envelope");
      if (err instanceof EnvelopeError) return reject(res, 400, err.message);
      throw err;
    }
    if (records.length === 0) return void res.status(200).json({ accepted: 0, duplicates: 0 });
    if (records.length > maxRecords) {
      opts.metrics?.rejected(opts.source, "too_many");
      return reject(res, 413, `too many records in one request: ${records.length} > ${maxRecords}`);
    }
    for (const [i, r] of records.entries()) {
      try {
        normalizeRecord(r.record);
      } catch (err) {
        opts.metrics?.rejected(opts.source, "record");
        const where = records.length > 1 ? `record ${i} (${r.id})` : `record ${r.id}`;
        return reject(res, 422, `${where} cannot be read: ${(err as Error).message.slice(0, 300)}`);
      }
    }
    const now = new Date();
    const seen = new Set<string>();
    const unique = records.filter((r) => {
      if (seen.has(r.id)) return false;
      seen.add(r.id);
      return true;
    });
    try {
      const result = await opts.store.putInbox(
        unique.map((r) => ({
          id: r.id,
          source: r.source,
          payload: JSON.stringify(r.record),
          receivedAt: now,
        })),
      );
      opts.metrics?.accepted(opts.source, result.accepted.length);
      if (result.accepted.length) opts.onAccepted?.(result.accepted);
      res.status(200).json({
        accepted: result.accepted.length,
        duplicates: result.duplicates.length + (records.length - unique.length),
      });
    } catch (err) {
      opts.metrics?.rejected(opts.source, "store");
      if (err instanceof StoreUnavailableError) {
        res.setHeader("Retry-After", "5");
        return reject(res, 503, "store unavailable: event not accepted, retry later");
      }
      throw err;
    }
  };
  return [authenticate, raw, accept];
}

/** Express error handler for intake routes: size limits and parse errors as clear 4xx. */
export function intakeErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  if (e.type === "entity.too.large") reject(res, 413, `body too large: limit is ${e.limit} bytes`);
  else if (e.type === "request.aborted") reject(res, 400, "request aborted");
  else if (e.type === "encoding.unsupported" || e.type === "charset.unsupported") {
    reject(res, 415, e.message ?? "unsupported encoding");
  } else if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    reject(res, e.status, e.message ?? "bad request");
  } else next(err);
}
