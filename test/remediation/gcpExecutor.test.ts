import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RemediationAction } from "../../detection/model";
import { RemediationError } from "../../remediation/errors";
import { createGcpClients } from "../../remediation/gcpClients";
import { gcpExecutors } from "../../remediation/gcpExecutor";
import type { IamBinding, IamPolicy } from "../../remediation/gcpPolicyEdit";
import type { GoogleApiStandIn } from "../helpers/googleApiStandIn";
import { startGoogleApiStandIn } from "../helpers/googleApiStandIn";

let google: GoogleApiStandIn;
let ex: ReturnType<typeof gcpExecutors>;

beforeAll(async () => {
  google = await startGoogleApiStandIn();
  ex = gcpExecutors(createGcpClients({ rootUrl: google.url }), {
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  });
});
afterAll(async () => {
  await google.close();
});
beforeEach(() => {
  google.reset();
});

function action(kind: RemediationAction["kind"], params: Record<string, unknown>): RemediationAction {
  return {
    kind,
    target: String(params.resource ?? params.serviceAccount ?? params.keyName ?? ""),
    params,
    idempotencyKey: `k-${kind}`,
    description: kind,
  };
}

const CONDITIONAL: IamBinding = {
  role: "roles/storage.objectViewer",
  members: ["allUsers", "group:auditors@acme.example"],
  condition: {
    title: "expires-2026",
    description: "temporary share",
    expression: 'request.time < timestamp("2026-12-31T00:00:00Z")',
  },
};
const AUDIT_CONFIGS = [
  {
    service: "allServices",
    auditLogConfigs: [
      { logType: "ADMIN_READ" },
      { logType: "DATA_WRITE", exemptedMembers: ["user:ci@acme.example"] },
    ],
  },
  { service: "storage.googleapis.com", auditLogConfigs: [{ logType: "DATA_READ" }] },
];

/** Bindings compared without caring about order. */
function sorted(p: IamPolicy): IamBinding[] {
  return [...(p.bindings ?? [])]
    .map((b) => ({ ...b, members: [...(b.members ?? [])].sort() }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe("gcp.removePublicMembers on a bucket", () => {
  const bucket = "projects/_/buckets/acme-prod-invoices";
  const remove = action("gcp.removePublicMembers", {
    resource: bucket,
    members: ["allUsers", "allAuthenticatedUsers"],
  });
  const original: IamPolicy = {
    version: 3,
    bindings: [
      { role: "roles/storage.legacyBucketOwner", members: ["projectOwner:acme-prod"] },
      {
        role: "roles/storage.objectViewer",
        members: ["allUsers", "serviceAccount:cdn@acme-prod.iam.gserviceaccount.com"],
      },
      { role: "roles/storage.legacyBucketReader", members: ["allAuthenticatedUsers"] },
      CONDITIONAL,
    ],
  };

  it("removes the public members (conditional binding included), writes with the etag, and undo restores exactly", async () => {
    google.setPolicy(bucket, original);
    const etag = google.policy(bucket).etag;
    const out = await ex["gcp.removePublicMembers"]!.execute(remove);
    expect(out.status).toBe("done");

    const after = google.policy(bucket);
    expect(after.bindings?.flatMap((b) => b.members ?? [])).not.toContain("allUsers");
    expect(after.bindings?.flatMap((b) => b.members ?? [])).not.toContain("allAuthenticatedUsers");
    // The conditional binding keeps its condition and its other member.
    expect(after.bindings).toContainEqual({ ...CONDITIONAL, members: ["group:auditors@acme.example"] });
    expect(after.version).toBe(3);
    const put = google.calls.find((c) => c.method === "PUT");
    expect((put?.body as IamPolicy | undefined)?.etag).toBe(etag);
    const read = google.calls.find((c) => c.method === "GET");
    expect(read?.path).toBe("/storage/v1/b/acme-prod-invoices/iam");

    google.calls.length = 0;
    expect((await ex["gcp.removePublicMembers"]!.execute(remove)).status).toBe("noop");
    expect(google.calls.filter((c) => c.method === "PUT")).toHaveLength(0);

    const undo = await ex["gcp.removePublicMembers"]!.undo(remove, out.beforeState);
    expect(undo.status).toBe("undone");
    expect(sorted(google.policy(bucket))).toEqual(sorted(original));
  });

  it("re-reads and re-applies when the policy changes between read and write (412)", async () => {
    google.setPolicy(bucket, original);
    const extra: IamBinding = { role: "roles/storage.objectAdmin", members: ["user:dana@acme.example"] };
    google.changeBeforeNextWrite(bucket, (p) => ({ ...p, bindings: [...(p.bindings ?? []), extra] }));
    const out = await ex["gcp.removePublicMembers"]!.execute(remove);
    expect(out.status).toBe("done");
    expect(google.calls.filter((c) => c.method === "PUT").map((c) => c.status)).toEqual([412, 200]);
    expect(google.calls.filter((c) => c.method === "GET")).toHaveLength(2);
    const after = google.policy(bucket);
    // The concurrent grant survives; the public members are gone.
    expect(after.bindings).toContainEqual(extra);
    expect(after.bindings?.flatMap((b) => b.members ?? [])).not.toContain("allUsers");
  });
});

describe("gcp.removeBinding on a project", () => {
  const project = "projects/acme-prod";
  const original: IamPolicy = {
    version: 3,
    bindings: [
      { role: "roles/owner", members: ["user:alice@acme.example", "user:mallory@example.com"] },
      {
        role: "roles/owner",
        members: ["user:mallory@example.com"],
        condition: { title: "break-glass", expression: "request.time.getHours('UTC') < 6" },
      },
      { role: "roles/viewer", members: ["group:eng@acme.example"] },
    ],
    auditConfigs: AUDIT_CONFIGS,
  };
  const remove = action("gcp.removeBinding", {
    resource: project,
    member: "user:mallory@example.com",
    role: "roles/owner",
  });

  it("removes only the unconditional binding; conditional bindings and audit configs come back unchanged", async () => {
    google.setPolicy(project, original);
    const out = await ex["gcp.removeBinding"]!.execute(remove);
    expect(out.status).toBe("done");
    const after = google.policy(project);
    expect(after.bindings).toContainEqual({ role: "roles/owner", members: ["user:alice@acme.example"] });
    expect(after.bindings).toContainEqual(original.bindings?.[1]);
    expect(after.bindings).toContainEqual(original.bindings?.[2]);
    expect(after.auditConfigs).toEqual(AUDIT_CONFIGS);
    expect(after.version).toBe(3);
    const get = google.calls.find((c) => c.path.endsWith(":getIamPolicy"));
    expect(get?.body).toEqual({ options: { requestedPolicyVersion: 3 } });

    expect((await ex["gcp.removeBinding"]!.execute(remove)).status).toBe("noop");
    expect((await ex["gcp.removeBinding"]!.undo(remove, out.beforeState)).status).toBe("undone");
    expect(sorted(google.policy(project))).toEqual(sorted(original));
    expect(google.policy(project).auditConfigs).toEqual(AUDIT_CONFIGS);
  });

  it("on 409 ABORTED re-reads and re-applies to the fresh policy, keeping the concurrent change", async () => {
    google.setPolicy(project, original);
    google.changeBeforeNextWrite(project, (p) => ({
      ...p,
      bindings: [
        ...(p.bindings ?? []).map((b) =>
          b.role === "roles/viewer" && !b.condition
            ? { ...b, members: [...(b.members ?? []), "user:carol@acme.example"] }
            : b,
        ),
      ],
    }));
    const out = await ex["gcp.removeBinding"]!.execute(remove);
    expect(out.status).toBe("done");
    const sets = google.calls.filter((c) => c.path.endsWith(":setIamPolicy"));
    expect(sets.map((c) => c.status)).toEqual([409, 200]);
    const after = google.policy(project);
    expect(after.bindings).toContainEqual({
      role: "roles/viewer",
      members: ["group:eng@acme.example", "user:carol@acme.example"],
    });
    expect(after.bindings).toContainEqual({ role: "roles/owner", members: ["user:alice@acme.example"] });
    expect(after.bindings).toContainEqual(original.bindings?.[1]);
    expect(after.auditConfigs).toEqual(AUDIT_CONFIGS);
  });

  it("gives up after the configured number of conflicts instead of looping", async () => {
    google.setPolicy(project, original);
    google.failNext("acme-prod:setIamPolicy", 409, "There were concurrent policy changes.", "ABORTED", 10);
    const err = await ex["gcp.removeBinding"]!.execute(remove).catch((e: unknown) => e);
    expect((err as RemediationError).kind).toBe("conflict");
    expect(google.calls.filter((c) => c.path.endsWith(":setIamPolicy")).length).toBe(5);
    expect(sorted(google.policy(project))).toEqual(sorted(original));
  });

  it("retries 503 and 429 with backoff", async () => {
    google.setPolicy(project, original);
    google.failNext("acme-prod:getIamPolicy", 503, "The service is currently unavailable.", "UNAVAILABLE");
    google.failNext("acme-prod:setIamPolicy", 429, "Quota exceeded", "RESOURCE_EXHAUSTED");
    expect((await ex["gcp.removeBinding"]!.execute(remove)).status).toBe("done");
  });

  it("reports permission denied naming the permission", async () => {
    google.setPolicy(project, original);
    google.failNext(
      "acme-prod:setIamPolicy",
      403,
      "Permission 'resourcemanager.projects.setIamPolicy' denied on resource '//cloudresourcemanager.googleapis.com/projects/acme-prod' (or it may not exist).",
      "PERMISSION_DENIED",
    );
    const err = await ex["gcp.removeBinding"]!.execute(remove).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemediationError);
    expect((err as RemediationError).missingPermission).toBe("resourcemanager.projects.setIamPolicy");
  });
});

describe("gcp.restoreAuditConfig", () => {
  it("switches the removed log type back on, touching only auditConfigs, and undo puts the weakened config back", async () => {
    const project = "projects/acme-audit";
    const weakened = [{ service: "allServices", auditLogConfigs: [{ logType: "ADMIN_READ" }] }];
    const bindings = [{ role: "roles/viewer", members: ["group:eng@acme.example"] }];
    google.setPolicy(project, { version: 1, bindings, auditConfigs: weakened });
    const restore = action("gcp.restoreAuditConfig", {
      resource: project,
      deltas: [{ action: "REMOVE", service: "allServices", logType: "DATA_READ" }],
    });
    const out = await ex["gcp.restoreAuditConfig"]!.execute(restore);
    expect(out.status).toBe("done");
    expect(google.policy(project).auditConfigs).toEqual([
      { service: "allServices", auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }] },
    ]);
    expect(google.policy(project).bindings).toEqual(bindings);
    const set = google.calls.find((c) => c.path.endsWith(":setIamPolicy"));
    expect((set?.body as { updateMask?: string } | undefined)?.updateMask).toBe("auditConfigs,etag");
    expect((await ex["gcp.restoreAuditConfig"]!.execute(restore)).status).toBe("noop");
    expect((await ex["gcp.restoreAuditConfig"]!.undo(restore, out.beforeState)).status).toBe("undone");
    expect(google.policy(project).auditConfigs).toEqual(weakened);
  });
});

describe("service accounts and keys", () => {
  const sa = "projects/-/serviceAccounts/build-bot@acme-prod.iam.gserviceaccount.com";
  const key = `${sa}/keys/8f3b2c1d0e9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c`;

  it("disables a key once and re-enables it on undo", async () => {
    google.addServiceAccount(key);
    const a = action("gcp.disableServiceAccountKey", { keyName: key });
    const out = await ex["gcp.disableServiceAccountKey"]!.execute(a);
    expect(out.status).toBe("done");
    expect(google.serviceAccount(key)?.disabled).toBe(true);
    expect(google.calls.some((c) => c.method === "POST" && c.path === `/v1/${key}:disable`)).toBe(true);
    expect((await ex["gcp.disableServiceAccountKey"]!.execute(a)).status).toBe("noop");
    expect((await ex["gcp.disableServiceAccountKey"]!.undo(a, out.beforeState)).status).toBe("undone");
    expect(google.serviceAccount(key)?.disabled).toBe(false);
  });

  it("disables a service account, and undo leaves one that was already disabled alone", async () => {
    google.addServiceAccount(sa);
    const a = action("gcp.disableServiceAccount", { serviceAccount: sa });
    const out = await ex["gcp.disableServiceAccount"]!.execute(a);
    expect(out.status).toBe("done");
    expect(google.serviceAccount(sa)?.disabled).toBe(true);
    const noop = await ex["gcp.disableServiceAccount"]!.execute(a);
    expect(noop.status).toBe("noop");
    expect((await ex["gcp.disableServiceAccount"]!.undo(a, noop.beforeState)).status).toBe("noop");
    expect(google.serviceAccount(sa)?.disabled).toBe(true);
  });
});
