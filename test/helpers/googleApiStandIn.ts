import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { IamPolicy } from "../../remediation/gcpPolicyEdit";

/**
 * A local HTTP server answering like the Google APIs remediation calls, at the paths and in the
 * shapes of the public REST references:
 * - Resource Manager v3 `POST /v3/{projects|folders|organizations}/x:getIamPolicy|:setIamPolicy`
 *   (setIamPolicy takes { policy, updateMask }; the default mask is "bindings,etag"; a stale etag
 *   answers 409 ABORTED);
 * - Cloud Storage `GET|PUT /storage/v1/b/{bucket}/iam` (a stale etag answers 412);
 * - IAM v1 `GET /v1/projects/-/serviceAccounts/{sa}[/keys/{id}]` and `POST …:disable|:enable`.
 * Policies read with requestedPolicyVersion < 3 hide conditional bindings the way Google does
 * (role suffixed "_withcond_…", no condition), and writing those back is refused, so a client
 * that forgets version 3 fails here as it would against Google.
 */

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

type PolicyKind = "crm" | "storage";

export interface GoogleApiStandIn {
  url: string;
  calls: RecordedCall[];
  /** Stores a policy (a fresh etag is assigned). Names: "projects/p", "projects/_/buckets/b". */
  setPolicy(name: string, policy: IamPolicy): void;
  /** The stored policy as Google would return it at version 3. */
  policy(name: string): IamPolicy;
  addServiceAccount(name: string, disabled?: boolean): void;
  serviceAccount(name: string): { disabled: boolean } | undefined;
  /** Runs `change` on the stored policy just before the next setIamPolicy of `name` is checked. */
  changeBeforeNextWrite(name: string, change: (p: IamPolicy) => IamPolicy): void;
  /** Answers the next `count` requests whose path contains `pathPart` with this error. */
  failNext(pathPart: string, status: number, message: string, grpcStatus: string, count?: number): void;
  /** Called with each request as it arrives, before it is answered (fault tests kill here). */
  onRequest(fn: ((method: string, path: string) => void) | undefined): void;
  /** Forgets injected failures and pending concurrent changes. */
  reset(): void;
  close(): Promise<void>;
}

let etagSeq = 0;
function newEtag(): string {
  etagSeq++;
  return Buffer.from(`etag-${etagSeq}-${Date.now()}`).toString("base64");
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function hideConditions(p: IamPolicy): IamPolicy {
  return {
    ...p,
    version: 1,
    bindings: (p.bindings ?? []).map((b) =>
      b.condition
        ? {
            role: `${b.role}_withcond_${createHash("sha1").update(JSON.stringify(b.condition)).digest("hex").slice(0, 20)}`,
            members: b.members,
          }
        : b,
    ),
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

export async function startGoogleApiStandIn(): Promise<GoogleApiStandIn> {
  const policies = new Map<string, IamPolicy>();
  const accounts = new Map<string, { disabled: boolean }>();
  const pendingChanges = new Map<string, (p: IamPolicy) => IamPolicy>();
  const failures: { pathPart: string; status: number; message: string; grpc: string; left: number }[] = [];
  const calls: RecordedCall[] = [];
  let onRequest: ((method: string, path: string) => void) | undefined;

  const send = (res: ServerResponse, call: RecordedCall, status: number, body: unknown) => {
    call.status = status;
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, call: RecordedCall, status: number, message: string, grpc: string) =>
    send(res, call, status, { error: { code: status, message, status: grpc } });

  const get = (name: string): IamPolicy => policies.get(name) ?? { version: 1, bindings: [], etag: "ACAB" };

  const write = (
    res: ServerResponse,
    call: RecordedCall,
    kind: PolicyKind,
    name: string,
    incoming: IamPolicy,
    updateMask: string | undefined,
  ) => {
    const change = pendingChanges.get(name);
    if (change) {
      pendingChanges.delete(name);
      policies.set(name, { ...change(clone(get(name))), etag: newEtag() });
    }
    const current = get(name);
    if (incoming.etag && incoming.etag !== current.etag) {
      return kind === "crm"
        ? error(
            res,
            call,
            409,
            "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
            "ABORTED",
          )
        : error(res, call, 412, "Precondition Failed", "FAILED_PRECONDITION");
    }
    const bindings = incoming.bindings ?? [];
    if (bindings.some((b) => (b.role ?? "").includes("_withcond_"))) {
      return error(
        res,
        call,
        400,
        "Invalid argument: policy contains a role with a _withcond_ suffix; request policy version 3.",
        "INVALID_ARGUMENT",
      );
    }
    if (bindings.some((b) => b.condition) && (incoming.version ?? 1) < 3) {
      return error(res, call, 400, "Conditional bindings need policy version 3.", "INVALID_ARGUMENT");
    }
    const fields =
      kind === "crm" ? (updateMask ?? "bindings,etag").split(",").map((s) => s.trim()) : ["bindings"];
    const next: IamPolicy = clone(current);
    if (fields.includes("bindings")) {
      next.bindings = clone(bindings);
      next.version = incoming.version ?? 1;
    }
    if (fields.includes("auditConfigs")) next.auditConfigs = clone(incoming.auditConfigs ?? []);
    if ((next.bindings ?? []).some((b) => b.condition)) next.version = 3;
    next.etag = newEtag();
    policies.set(name, next);
    return send(res, call, 200, next);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = decodeURIComponent(url.pathname);
    const body = req.method === "GET" ? {} : await readBody(req);
    const call: RecordedCall = { method: req.method ?? "", path, body, status: 0 };
    calls.push(call);
    onRequest?.(call.method, path);
    const fail = failures.find((f) => f.left > 0 && path.includes(f.pathPart));
    if (fail) {
      fail.left--;
      return error(res, call, fail.status, fail.message, fail.grpc);
    }

    let m = /^\/v3\/((?:projects|folders|organizations)\/[^/:]+):(getIamPolicy|setIamPolicy)$/.exec(path);
    if (m && req.method === "POST") {
      const name = m[1];
      const b = body as {
        options?: { requestedPolicyVersion?: number };
        policy?: IamPolicy;
        updateMask?: string;
      };
      if (m[2] === "getIamPolicy") {
        const p = clone(get(name));
        return send(res, call, 200, (b.options?.requestedPolicyVersion ?? 1) >= 3 ? p : hideConditions(p));
      }
      return write(res, call, "crm", name, b.policy ?? {}, b.updateMask);
    }

    m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(path);
    if (m) {
      const name = `projects/_/buckets/${m[1]}`;
      if (req.method === "GET") {
        const version = Number(url.searchParams.get("optionsRequestedPolicyVersion") ?? "1");
        const p = { kind: "storage#policy", resourceId: name, ...clone(get(name)) };
        delete (p as IamPolicy).auditConfigs;
        return send(res, call, 200, version >= 3 ? p : hideConditions(p));
      }
      if (req.method === "PUT") return write(res, call, "storage", name, body as IamPolicy, undefined);
    }

    m = /^\/v1\/(projects\/[^/]+\/serviceAccounts\/[^/:]+(?:\/keys\/[^/:]+)?)(?::(disable|enable))?$/.exec(
      path,
    );
    if (m) {
      const name = m[1].replace(/^projects\/[^/]+\//, "projects/-/");
      const sa = accounts.get(name);
      if (!sa) return error(res, call, 404, `Unknown service account or key ${m[1]}`, "NOT_FOUND");
      if (req.method === "GET" && !m[2]) return send(res, call, 200, { name: m[1], disabled: sa.disabled });
      if (req.method === "POST" && m[2]) {
        sa.disabled = m[2] === "disable";
        return send(res, call, 200, {});
      }
    }
    return error(res, call, 404, `stand-in has no route for ${req.method} ${path}`, "NOT_FOUND");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    setPolicy(name, policy) {
      policies.set(name, { ...clone(policy), etag: newEtag() });
    },
    policy(name) {
      return clone(get(name));
    },
    addServiceAccount(name, disabled = false) {
      accounts.set(name, { disabled });
    },
    serviceAccount(name) {
      return accounts.get(name);
    },
    changeBeforeNextWrite(name, change) {
      pendingChanges.set(name, change);
    },
    failNext(pathPart, status, message, grpc, count = 1) {
      failures.push({ pathPart, status, message, grpc, left: count });
    },
    onRequest(fn) {
      onRequest = fn;
    },
    reset() {
      failures.length = 0;
      pendingChanges.clear();
      calls.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
