import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { IamPolicy } from "../../remediation/gcpPolicyEdit";

/**
 * A local stand-in for the Google APIs the recommender and its executor call, answering like
 * the real ones: Resource Manager v1 and v3 `projects.getIamPolicy` / `setIamPolicy` (etag
 * checked, 409 ABORTED on a stale one; without updateMask only bindings and etag are written,
 * so auditConfigs survive; bindings come back sorted by role with sorted members, as Google
 * returns them) and IAM v1 `projects.roles.create` / `delete`.
 */

export interface SetCall {
  project: string;
  etagSent: string | null | undefined;
  updateMask?: string;
  policy: IamPolicy;
}

export interface GoogleIamStandIn {
  url: string;
  policies: Map<string, IamPolicy>;
  roles: Map<string, { title?: string; includedPermissions?: string[]; deleted: boolean }>;
  sets: SetCall[];
  gets: number;
  /** Runs once before the next setIamPolicy is handled (a concurrent change). */
  beforeNextSet?: () => void;
  close(): Promise<void>;
}

/** Google's canonical order: bindings by role (then condition), members sorted and unique. */
export function canonical(policy: IamPolicy): IamPolicy {
  const bindings = (policy.bindings ?? [])
    .filter((b) => (b.members ?? []).length > 0)
    .map((b) => ({ ...b, members: [...new Set(b.members ?? [])].sort() }))
    .sort(
      (a, b) =>
        (a.role ?? "").localeCompare(b.role ?? "") ||
        (a.condition?.expression ?? "").localeCompare(b.condition?.expression ?? ""),
    );
  return { ...policy, bindings };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(body));
}

function googleError(res: ServerResponse, code: number, status: string, message: string): void {
  send(res, code, { error: { code, message, status } });
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startGoogleIamStandIn(seed: Record<string, IamPolicy>): Promise<GoogleIamStandIn> {
  let etagCounter = 0;
  const nextEtag = () => Buffer.from(`etag-${++etagCounter}`).toString("base64");
  const state: GoogleIamStandIn = {
    url: "",
    policies: new Map(Object.entries(seed).map(([p, pol]) => [p, canonical(structuredClone(pol))])),
    roles: new Map(),
    sets: [],
    gets: 0,
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    let m = /^\/v[13]\/projects\/([^/:]+):(get|set)IamPolicy$/.exec(path);
    if (m && req.method === "POST") {
      const [, project, op] = m;
      const current = state.policies.get(project);
      if (!current)
        return googleError(res, 403, "PERMISSION_DENIED", `Permission denied on projects/${project}`);
      const b = await body(req);
      if (op === "get") {
        state.gets++;
        const requested =
          (b.options as { requestedPolicyVersion?: number } | undefined)?.requestedPolicyVersion ?? 1;
        if (requested < 3 && (current.bindings ?? []).some((x) => x.condition))
          return googleError(
            res,
            400,
            "INVALID_ARGUMENT",
            "Policy has conditional bindings; request version 3",
          );
        return send(res, 200, current);
      }
      state.beforeNextSet?.();
      state.beforeNextSet = undefined;
      const fresh = state.policies.get(project)!;
      const incoming = (b.policy ?? {}) as IamPolicy;
      const updateMask = typeof b.updateMask === "string" ? b.updateMask : undefined;
      state.sets.push({ project, etagSent: incoming.etag, updateMask, policy: structuredClone(incoming) });
      if (incoming.etag && incoming.etag !== fresh.etag)
        return googleError(
          res,
          409,
          "ABORTED",
          "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
        );
      if ((incoming.bindings ?? []).some((x) => x.condition) && (incoming.version ?? 1) < 3)
        return googleError(res, 400, "INVALID_ARGUMENT", "Conditional bindings need policy version 3");
      const fields = (updateMask ?? "bindings,etag").split(",").map((s) => s.trim());
      const next: IamPolicy = { ...fresh };
      if (fields.includes("bindings")) {
        next.bindings = incoming.bindings ?? [];
        next.version = incoming.version ?? fresh.version;
      }
      if (fields.includes("auditConfigs")) next.auditConfigs = incoming.auditConfigs ?? [];
      next.etag = nextEtag();
      const stored = canonical(next);
      state.policies.set(project, stored);
      return send(res, 200, stored);
    }
    m = /^\/v1\/projects\/([^/]+)\/roles$/.exec(path);
    if (m && req.method === "POST") {
      const b = (await body(req)) as {
        roleId: string;
        role: { title?: string; includedPermissions?: string[] };
      };
      const name = `projects/${m[1]}/roles/${b.roleId}`;
      if (state.roles.has(name))
        return googleError(
          res,
          409,
          "ALREADY_EXISTS",
          `A role named ${b.roleId} in projects/${m[1]} already exists.`,
        );
      state.roles.set(name, { ...b.role, deleted: false });
      return send(res, 200, { name, ...b.role, etag: nextEtag() });
    }
    m = /^\/v1\/(projects\/[^/]+\/roles\/[^/]+)$/.exec(path);
    if (m && req.method === "DELETE") {
      const role = state.roles.get(m[1]);
      if (!role) return googleError(res, 404, "NOT_FOUND", `Role ${m[1]} not found`);
      role.deleted = true;
      return send(res, 200, { name: m[1], deleted: true });
    }
    googleError(res, 404, "NOT_FOUND", `no stand-in for ${req.method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => googleError(res, 500, "INTERNAL", String(err)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}/`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}
