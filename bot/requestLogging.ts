import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "./logger";

/** A caller's request id is kept only when it is a plain token (never a place to smuggle text). */
const SAFE_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

/**
 * One log line per request with a correlation id: the caller's X-Request-Id (or Cloud Run's
 * trace header) when present and safe, else a new UUID, echoed back as X-Request-Id. Logs from
 * the handler carry it as `reqId`. Successful webhook calls log at debug so a busy server stays
 * quiet; refusals at warn and failures at error. Headers are redacted by the logger's paths.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId(req, res) {
      const given = req.headers["x-request-id"] ?? req.headers["x-cloud-trace-context"];
      const candidate = Array.isArray(given) ? given[0] : given;
      const id = candidate && SAFE_ID.test(candidate) ? candidate : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return "error";
      if (res.statusCode >= 400) return "warn";
      return "debug";
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
