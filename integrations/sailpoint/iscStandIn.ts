import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import express from "express";
import type { IscAccount, IscIdentity } from "./iscClient";

/**
 * A local stand-in for the ISC endpoints the client uses (token, identities, accounts), for
 * demos and tests: tokens expire after `tokenTtlSeconds` and can be revoked, lists honour
 * offset/limit/count and a simple `field eq "value"` filter, like the tenant does.
 */
export interface IscStandInOptions {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds?: number;
  identities?: IscIdentity[];
  accounts?: IscAccount[];
}

export interface IscStandIn {
  url: string;
  identities: IscIdentity[];
  accounts: IscAccount[];
  /** Token requests answered, list pages served. */
  counts: { tokens: number; pages: number; unauthorized: number };
  /** Invalidates every issued token (as a tenant-side revocation would). */
  revokeTokens(): void;
  close(): Promise<void>;
}

function filterOf(raw: unknown): ((item: Record<string, unknown>) => boolean) | undefined {
  if (typeof raw !== "string" || !raw) return undefined;
  const m = /^(\w+)\s+eq\s+"([^"]*)"$/.exec(raw.trim());
  if (!m) return () => false;
  const [, field, value] = m;
  return (item) => {
    const v =
      field === "email"
        ? (item.emailAddress ?? (item.attributes as Record<string, unknown> | undefined)?.email)
        : item[field];
    return typeof v === "string" && v.toLowerCase() === value.toLowerCase();
  };
}

export async function startIscStandIn(o: IscStandInOptions): Promise<IscStandIn> {
  const tokens = new Map<string, number>();
  const state: IscStandIn = {
    url: "",
    identities: o.identities ?? [],
    accounts: o.accounts ?? [],
    counts: { tokens: 0, pages: 0, unauthorized: 0 },
    revokeTokens: () => tokens.clear(),
    close: async () => {},
  };
  const app = express();
  app.post("/oauth/token", express.urlencoded({ extended: false }), (req, res) => {
    const b = req.body as Record<string, string>;
    if (
      b.grant_type !== "client_credentials" ||
      b.client_id !== o.clientId ||
      b.client_secret !== o.clientSecret
    ) {
      res.status(401).json({ error: "invalid_client" });
      return;
    }
    const ttl = o.tokenTtlSeconds ?? 749;
    const token = randomBytes(16).toString("hex");
    tokens.set(token, Date.now() + ttl * 1000);
    state.counts.tokens++;
    res.json({ access_token: token, token_type: "bearer", expires_in: ttl, scope: "sp:scopes:all" });
  });
  app.use((req, res, next) => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const exp = m ? tokens.get(m[1]) : undefined;
    if (!exp || exp < Date.now()) {
      state.counts.unauthorized++;
      res.status(401).json({ error: "JWT expired or invalid" });
      return;
    }
    next();
  });
  const list = (items: () => Record<string, unknown>[]) => (req: express.Request, res: express.Response) => {
    const offset = Math.max(0, Number(req.query.offset ?? 0));
    const limit = Math.min(250, Math.max(1, Number(req.query.limit ?? 250)));
    const f = filterOf(req.query.filters);
    const all = f ? items().filter(f) : items();
    state.counts.pages++;
    if (req.query.count === "true") res.setHeader("X-Total-Count", String(all.length));
    res.json(all.slice(offset, offset + limit));
  };
  app.get(
    "/beta/identities",
    list(() => state.identities as unknown as Record<string, unknown>[]),
  );
  app.get("/beta/identities/:id", (req, res) => {
    const found = state.identities.find((i) => i.id === req.params.id);
    if (!found) res.status(404).json({ detailCode: "404 Not found" });
    else res.json(found);
  });
  app.get(
    "/v3/accounts",
    list(() => state.accounts as unknown as Record<string, unknown>[]),
  );

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}
