import type { Server } from "node:http";
import express from "express";

/**
 * A local stand-in for Cloud Resource Manager v3 getIamPolicy / setIamPolicy, answering like
 * Google does (etag checked on write: a stale etag gets 409 ABORTED). Point GOOGLE_API_ROOT_URL at it.
 */
export interface Binding {
  role: string;
  members: string[];
  condition?: { expression: string; title?: string };
}

export interface GcpStandIn {
  url: string;
  policies: Map<string, { bindings: Binding[]; etag: string; version: number }>;
  writes: number;
  membersOf(resource: string): string[];
  close(): Promise<void>;
}

export async function startGcpStandIn(initial: Record<string, Binding[]>): Promise<GcpStandIn> {
  const policies = new Map(
    Object.entries(initial).map(([k, bindings]) => [
      k,
      { bindings: structuredClone(bindings), etag: "BwE1", version: 1 },
    ]),
  );
  const state: GcpStandIn = {
    url: "",
    policies,
    writes: 0,
    membersOf: (r) =>
      (policies.get(r)?.bindings ?? []).flatMap((b) => b.members.map((m) => `${b.role}=${m}`)),
    close: async () => {},
  };
  const app = express();
  app.use(express.json());
  app.post(/^\/v3\/((?:projects|folders|organizations)\/[^/:]+):(getIamPolicy|setIamPolicy)$/, (req, res) => {
    const resource = (req.params as Record<string, string>)[0];
    const verb = (req.params as Record<string, string>)[1];
    const p = policies.get(resource);
    if (!p) {
      res.status(403).json({
        error: { code: 403, message: `Permission denied on ${resource}`, status: "PERMISSION_DENIED" },
      });
      return;
    }
    if (verb === "getIamPolicy") {
      res.json({ version: 3, etag: p.etag, bindings: p.bindings });
      return;
    }
    const policy = (req.body as { policy?: { etag?: string; bindings?: Binding[] } }).policy ?? {};
    if (policy.etag !== p.etag) {
      res
        .status(409)
        .json({ error: { code: 409, message: "There were concurrent policy changes.", status: "ABORTED" } });
      return;
    }
    p.version++;
    p.etag = `BwE${p.version}`;
    p.bindings = (policy.bindings ?? []).filter((b) => b.members.length > 0);
    state.writes++;
    res.json({ version: 3, etag: p.etag, bindings: p.bindings });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}
