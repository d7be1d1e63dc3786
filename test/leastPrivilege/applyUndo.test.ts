import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { createGcpClients } from "../../remediation/gcpClients";
import type { IamPolicy } from "../../remediation/gcpPolicyEdit";
import { gcpReplaceRolesHandler } from "../../remediation/leastPrivilege/gcpReplaceRoles";
import {
  cloudResourceManagerProjects,
  GcpProjectGrantSource,
} from "../../remediation/leastPrivilege/grantSource";
import { DEFAULT_LEAST_PRIVILEGE } from "../../remediation/leastPrivilege/leastPrivilegeConfig";
import { permissionWeight } from "../../remediation/leastPrivilege/permissionRisk";
import { recommend } from "../../remediation/leastPrivilege/recommend";
import { recommendationIncident } from "../../remediation/leastPrivilege/recommendationIncident";
import { dayNumber, type UsageDoc } from "../../remediation/leastPrivilege/usage";
import { defaultPolicy } from "../../remediation/policy";
import { Runner } from "../../remediation/runner";
import { canonical, type GoogleIamStandIn, startGoogleIamStandIn } from "./googleIamStandIn";

/**
 * Apply a least-privilege recommendation to a project policy through googleapis (pointed at a
 * local stand-in) with the remediation runner, then undo it: the policy must come back exactly
 * as it was, conditional bindings and auditConfigs included, each write guarded by the etag it
 * read.
 */

const NOW = new Date("2026-11-23T10:00:00Z");
const TODAY = dayNumber(NOW);
const ANA = "user:ana@acme.com";
const CI = "serviceAccount:ci@acme-prod.iam.gserviceaccount.com";

const ORIGINAL: IamPolicy = {
  version: 3,
  etag: "BwYhZz1mQ2A=",
  bindings: [
    { role: "roles/editor", members: [ANA, "user:bob@acme.com"] },
    {
      role: "roles/storage.admin",
      members: [ANA],
      condition: {
        title: "until year end",
        description: "temporary for the migration",
        expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
      },
    },
    { role: "roles/pubsub.publisher", members: [CI] },
    { role: "roles/viewer", members: ["group:devs@acme.com"] },
  ],
  auditConfigs: [
    {
      service: "allServices",
      auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ", exemptedMembers: [CI] }],
    },
    { service: "storage.googleapis.com", auditLogConfigs: [{ logType: "DATA_WRITE" }] },
  ],
};

function anaUsage(): UsageDoc {
  return {
    cloud: "gcp",
    principal: "ana@acme.com",
    member: ANA,
    observedSince: TODAY - 80,
    lastEventDay: TODAY,
    perms: {
      "cloudsql.instances.connect": [TODAY - 1, 420],
      "cloudsql.instances.get": [TODAY - 2, 77],
      "pubsub.topics.publish": [TODAY - 5, 1200],
      // roles/editor does not grant object reads (the conditional storage.admin does): not its to keep.
      "storage.objects.get": [TODAY - 1, 31],
      // Used before the window: forgotten, so it does not keep roles/editor alive.
      "compute.instances.delete": [TODAY - 200, 1],
    },
    gcpBindings: {},
    awsManagedPolicies: [],
    awsInlinePolicies: {},
    updatedAt: NOW.toISOString(),
  };
}

describe("applying a least-privilege recommendation and undoing it", () => {
  let google: GoogleIamStandIn;
  let store: SqliteStore;

  beforeAll(async () => {
    google = await startGoogleIamStandIn({});
  });
  afterAll(async () => {
    await google.close();
  });
  beforeEach(async () => {
    google.policies.set("acme-prod", canonical(structuredClone(ORIGINAL)));
    google.sets.length = 0;
    store = new SqliteStore(":memory:");
  });

  async function recommendation() {
    const source = new GcpProjectGrantSource(
      ["acme-prod"],
      cloudResourceManagerProjects({ rootUrl: google.url }),
    );
    const doc = anaUsage();
    const grants = await source.grantsFor(doc);
    // The current policy is read through googleapis; the conditional binding is not ours to replace.
    expect(grants.gcpBindings).toEqual({ "projects/acme-prod": ["roles/editor"] });
    const [rec] = recommend(doc, grants, DEFAULT_LEAST_PRIVILEGE, NOW);
    return rec;
  }

  function runner() {
    const clients = createGcpClients({ rootUrl: google.url });
    return new Runner({
      store,
      executors: {
        "gcp.replaceRoles": gcpReplaceRolesHandler(clients, { retry: { attempts: 1, baseDelayMs: 1 } }),
      },
      policy: defaultPolicy({ mode: "enforce" }),
      channels: [],
      now: () => NOW,
    });
  }

  /** What approving the incident does before the runner runs: claim it as remediating. */
  async function approved(rec: Awaited<ReturnType<typeof recommendation>>): Promise<Incident> {
    const inc = recommendationIncident(rec, "slack:U024BE7LH", NOW);
    expect(inc).toBeDefined();
    const running: Incident = { ...inc!, state: "remediating", stateChangedAt: NOW.toISOString() };
    expect(await store.create("incidents", running.id, running)).toBe(true);
    return running;
  }

  it("replaces roles/editor with the smallest roles covering the use, then puts the policy back exactly", async () => {
    const rec = await recommendation();
    expect(rec.status).toBe("ok");
    expect(rec.removedRoles).toEqual(["roles/editor"]);
    expect(rec.addedRoles).toEqual(["roles/cloudsql.client", "roles/pubsub.publisher"]);
    expect(rec.kept.map((k) => k.permission)).toEqual([
      "cloudsql.instances.connect",
      "cloudsql.instances.get",
      "pubsub.topics.publish",
    ]);
    expect(rec.kept[0]).toMatchObject({ lastUsed: "2026-11-22", count: 420 });
    expect(rec.current.permissionCount).toBeGreaterThan(10_000);
    expect(rec.proposed.permissionCount).toBe(3);
    expect(rec.removedPermissionCount).toBe(rec.current.permissionCount - 3);
    // The card names the riskiest of what goes: IAM-changing first, alphabetical within.
    expect(rec.riskiestRemoved).toHaveLength(10);
    expect(rec.riskiestRemoved[0].why).toBe("changes IAM or acts as another identity");
    const ranked = rec.riskiestRemoved.map((r) => r.permission);
    expect(ranked).toEqual(
      [...ranked].sort((a, b) => permissionWeight(b) - permissionWeight(a) || a.localeCompare(b)),
    );
    expect(ranked.every((p) => !rec.kept.some((k) => k.permission === p))).toBe(true);

    const inc = await approved(rec);
    const r = runner();
    const applied = await r.execute(inc.id, "slack:U024BE7LH", inc.stateChangedAt);
    expect(applied.ok, applied.message).toBe(true);
    expect(applied.incident.state).toBe("remediated");

    const after = google.policies.get("acme-prod")!;
    const members = (role: string) =>
      after.bindings?.find((b) => b.role === role && !b.condition)?.members ?? [];
    expect(members("roles/editor")).toEqual(["user:bob@acme.com"]);
    expect(members("roles/cloudsql.client")).toEqual([ANA]);
    expect(members("roles/pubsub.publisher")).toEqual([ANA, CI].sort());
    // Untouched: the conditional binding, other members, audit logging.
    expect(after.bindings?.find((b) => b.condition)).toEqual(ORIGINAL.bindings?.[1]);
    expect(after.auditConfigs).toEqual(ORIGINAL.auditConfigs);
    expect(after.version).toBe(3);
    // The write carried the etag it read, and only bindings were written.
    expect(google.sets).toHaveLength(1);
    expect(google.sets[0].etagSent).toBe(ORIGINAL.etag);
    expect(google.sets[0].updateMask).toBeUndefined();

    const undone = await r.undo(inc.id, "slack:U024BE7LH");
    expect(undone.ok, undone.message).toBe(true);
    expect(undone.incident.state).toBe("reverted");
    const back = google.policies.get("acme-prod")!;
    const { etag, ...rest } = back;
    const { etag: originalEtag, ...original } = canonical(structuredClone(ORIGINAL));
    expect(rest).toEqual(original);
    expect(etag).not.toBe(originalEtag);
    expect(google.sets[1].etagSent).toBe(after.etag);

    const audit = await listAudit(store, { limit: 50 });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["remediation.step.done", "remediation.step.undone", "incident.reverted"]),
    );
  });

  it("re-reads and keeps a change somebody made between read and write, and undo leaves it too", async () => {
    const rec = await recommendation();
    const inc = await approved(rec);
    google.beforeNextSet = () => {
      const p = structuredClone(google.policies.get("acme-prod")!);
      p.bindings?.push({ role: "roles/logging.viewer", members: ["user:carol@acme.com"] });
      p.etag = "concurrent-etag";
      google.policies.set("acme-prod", canonical(p));
    };
    const r = runner();
    const applied = await r.execute(inc.id, "teams:29:1a2b", inc.stateChangedAt);
    expect(applied.ok, applied.message).toBe(true);
    expect(google.sets.map((s) => s.etagSent)).toEqual([ORIGINAL.etag, "concurrent-etag"]);
    const carol = (p: IamPolicy) => p.bindings?.find((b) => b.role === "roles/logging.viewer")?.members ?? [];
    expect(carol(google.policies.get("acme-prod")!)).toEqual(["user:carol@acme.com"]);

    await r.undo(inc.id, "teams:29:1a2b");
    const back = google.policies.get("acme-prod")!;
    expect(carol(back)).toEqual(["user:carol@acme.com"]);
    const withoutCarol = canonical({
      ...back,
      bindings: back.bindings?.filter((b) => b.role !== "roles/logging.viewer"),
    });
    const { etag: _e1, ...rest } = withoutCarol;
    const { etag: _e2, ...original } = canonical(structuredClone(ORIGINAL));
    expect(rest).toEqual(original);
  });

  it("creates the proposed custom role before binding it and deletes it on undo", async () => {
    // compute.instances.get only comes in roles with dozens of other permissions; with the
    // excess allowance at zero the recommender proposes a custom role instead.
    const doc = anaUsage();
    doc.perms["compute.instances.get"] = [TODAY - 3, 9];
    const grants = await new GcpProjectGrantSource(
      ["acme-prod"],
      cloudResourceManagerProjects({ rootUrl: google.url }),
    ).grantsFor(doc);
    const [custom] = recommend(doc, grants, { ...DEFAULT_LEAST_PRIVILEGE, customRoleExcessRatio: 0 }, NOW);
    const role = custom.proposed.customRole!;
    expect(custom.proposed.roles).toEqual([]);
    expect(role.permissions).toEqual([
      "cloudsql.instances.connect",
      "cloudsql.instances.get",
      "compute.instances.get",
      "pubsub.topics.publish",
    ]);

    const inc = await approved(custom);
    const r = runner();
    expect((await r.execute(inc.id, "slack:U1", inc.stateChangedAt)).ok).toBe(true);
    expect(google.roles.get(role.name)).toMatchObject({
      includedPermissions: role.permissions,
      deleted: false,
    });
    const bound = google.policies.get("acme-prod")!.bindings?.find((b) => b.role === role.name);
    expect(bound?.members).toEqual([ANA]);

    expect((await r.undo(inc.id, "slack:U1")).ok).toBe(true);
    expect(google.roles.get(role.name)?.deleted).toBe(true);
    const { etag: _a, ...rest } = google.policies.get("acme-prod")!;
    const { etag: _b, ...original } = canonical(structuredClone(ORIGINAL));
    expect(rest).toEqual(original);
  });
});
