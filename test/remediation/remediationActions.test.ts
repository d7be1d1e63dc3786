import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Responder } from "../../bot/incidentActions";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { breakerState, resetBreaker } from "../../remediation/breaker";
import { createGcpClients } from "../../remediation/gcpClients";
import { gcpExecutors } from "../../remediation/gcpExecutor";
import type { IamPolicy } from "../../remediation/gcpPolicyEdit";
import { planRemediation } from "../../remediation/plan";
import type { RemediationPolicy } from "../../remediation/policy";
import { defaultPolicy } from "../../remediation/policy";
import { RemediationIncidentActions, STALE_RUN_MS } from "../../remediation/remediationIncidentActions";
import type { GoogleApiStandIn } from "../helpers/googleApiStandIn";
import { startGoogleApiStandIn } from "../helpers/googleApiStandIn";
import {
  CapturingChannel,
  openIncident,
  ownerGrantFinding,
  publicBucketFinding,
} from "../helpers/remediationFixtures";

let google: GoogleApiStandIn;
let dir: string;
let stores: SqliteStore[] = [];
let channel: CapturingChannel;

const alice: Responder = { platform: "slack", id: "U0ALICE", display: "Alice", approver: true };
const bob: Responder = { platform: "teams", id: "aad-bob", display: "Bob", approver: true };
const eve: Responder = { platform: "slack", id: "U0EVE", display: "Eve", approver: false };

const BUCKET = "projects/_/buckets/acme-prod-invoices";
const PUBLIC_POLICY: IamPolicy = {
  version: 1,
  bindings: [
    { role: "roles/storage.legacyBucketOwner", members: ["projectOwner:acme-prod"] },
    {
      role: "roles/storage.objectViewer",
      members: ["allUsers", "serviceAccount:cdn@acme-prod.iam.gserviceaccount.com"],
    },
  ],
};

beforeAll(async () => {
  google = await startGoogleApiStandIn();
});
afterAll(async () => {
  await google.close();
});
beforeEach(() => {
  google.reset();
  dir = mkdtempSync(join(tmpdir(), "immune-rem-"));
  channel = new CapturingChannel();
});
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  rmSync(dir, { recursive: true, force: true });
});

/** One "replica": its own store connection to the shared database, its own actions object. */
function replica(policy: RemediationPolicy): { store: SqliteStore; actions: RemediationIncidentActions } {
  const store = new SqliteStore(join(dir, "immune.db"));
  stores.push(store);
  const executors = gcpExecutors(createGcpClients({ rootUrl: google.url }), {
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });
  return {
    store,
    actions: new RemediationIncidentActions({ store, executors, policy, channels: [channel] }),
  };
}

async function seed(store: SqliteStore, inc: Incident, policy: RemediationPolicy): Promise<Incident> {
  const planned = { ...inc, plan: planRemediation(inc, policy) };
  await store.set("incidents", inc.id, planned);
  return planned;
}

const writes = () => google.calls.filter((c) => c.method === "PUT" || c.path.endsWith(":setIamPolicy"));
const members = (name: string) => (google.policy(name).bindings ?? []).flatMap((b) => b.members ?? []);

describe("approve", () => {
  const enforce = defaultPolicy({ mode: "enforce" });

  it("runs the plan once however many approvers press, on however many replicas", async () => {
    google.setPolicy(BUCKET, PUBLIC_POLICY);
    const a = replica(enforce);
    const b = replica(enforce);
    await seed(a.store, openIncident("inc-once", [publicBucketFinding("acme-prod-invoices")]), enforce);

    const outcomes = await Promise.all([
      a.actions.approve("inc-once", alice),
      b.actions.approve("inc-once", bob),
      a.actions.approve("inc-once", alice),
      b.actions.approve("inc-once", alice),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(writes()).toHaveLength(1);
    expect(members(BUCKET)).not.toContain("allUsers");
    const stored = (await a.store.get<Incident>("incidents", "inc-once"))?.data;
    expect(stored?.state).toBe("remediated");
    expect(stored?.plan?.steps[0].status).toBe("done");

    const again = await b.actions.approve("inc-once", bob);
    expect(again.ok).toBe(false);
    expect(writes()).toHaveLength(1);
  });

  it("refuses someone who is not an approver, and changes nothing", async () => {
    google.setPolicy(BUCKET, PUBLIC_POLICY);
    const a = replica(enforce);
    await seed(a.store, openIncident("inc-eve", [publicBucketFinding("acme-prod-invoices")]), enforce);
    const out = await a.actions.approve("inc-eve", eve);
    expect(out.ok).toBe(false);
    expect(out.message).toMatch(/approvers/);
    expect(writes()).toHaveLength(0);
    expect((await a.store.get<Incident>("incidents", "inc-eve"))?.data.state).toBe("open");
  });

  it("undo restores the before-state once, and the audit log shows every step", async () => {
    google.setPolicy(BUCKET, PUBLIC_POLICY);
    const a = replica(enforce);
    const b = replica(enforce);
    await seed(a.store, openIncident("inc-undo", [publicBucketFinding("acme-prod-invoices")]), enforce);
    expect((await a.actions.approve("inc-undo", alice)).ok).toBe(true);

    const undos = await Promise.all([a.actions.undo("inc-undo", bob), b.actions.undo("inc-undo", alice)]);
    expect(undos.filter((o) => o.ok)).toHaveLength(1);
    expect(writes()).toHaveLength(2);
    const restored = google.policy(BUCKET).bindings?.find((x) => x.role === "roles/storage.objectViewer");
    expect(restored?.members?.sort()).toEqual([
      "allUsers",
      "serviceAccount:cdn@acme-prod.iam.gserviceaccount.com",
    ]);
    expect((await a.store.get<Incident>("incidents", "inc-undo"))?.data.state).toBe("reverted");

    const audit = (await listAudit(a.store, { incidentId: "inc-undo" })).map((e) => e.action).reverse();
    expect(audit).toEqual([
      "remediation.approve",
      "remediation.step.done",
      "incident.remediated",
      "remediation.undo",
      "remediation.step.undone",
      "incident.reverted",
    ]);
  });

  it("stops at a permission denial naming the permission, and a retry resumes", async () => {
    google.setPolicy(BUCKET, PUBLIC_POLICY);
    google.failNext(
      "acme-prod-invoices/iam",
      403,
      "remediator@acme-security.iam.gserviceaccount.com does not have storage.buckets.setIamPolicy access to the Google Cloud Storage bucket.",
      "PERMISSION_DENIED",
    );
    const a = replica(enforce);
    await seed(a.store, openIncident("inc-denied", [publicBucketFinding("acme-prod-invoices")]), enforce);
    const out = await a.actions.approve("inc-denied", alice);
    expect(out.ok).toBe(false);
    expect(out.message).toMatch(/storage\.buckets\.(get|set)IamPolicy/);
    const card = channel.last("inc-denied");
    expect(card?.state).toBe("failed");
    expect(card?.plan?.steps[0].message).toMatch(/Permission denied: the remediator lacks storage\.buckets/);
    expect(members(BUCKET)).toContain("allUsers");

    const retry = await a.actions.approve("inc-denied", alice);
    expect(retry.ok).toBe(true);
    expect(members(BUCKET)).not.toContain("allUsers");
  });
});

describe("a run whose replica died", () => {
  it("is left alone while it may still be running, and taken over by a press once stale", async () => {
    google.setPolicy(BUCKET, PUBLIC_POLICY);
    const policy = defaultPolicy({ mode: "enforce" });
    const a = replica(policy);
    const planned = await seed(
      a.store,
      openIncident("inc-stale", [publicBucketFinding("acme-prod-invoices")]),
      policy,
    );
    const startedAt = (ago: number) => new Date(Date.now() - ago).toISOString();
    await a.store.set("incidents", "inc-stale", {
      ...planned,
      state: "remediating",
      stateChangedAt: startedAt(60_000),
    });
    const busy = await a.actions.approve("inc-stale", alice);
    expect(busy.message).toMatch(/already running/);
    expect(google.calls).toHaveLength(0);

    await a.store.set("incidents", "inc-stale", {
      ...planned,
      state: "remediating",
      stateChangedAt: startedAt(STALE_RUN_MS + 60_000),
    });
    const resumed = await a.actions.approve("inc-stale", alice);
    expect(resumed.ok).toBe(true);
    expect(members(BUCKET)).not.toContain("allUsers");
    expect((await a.store.get<Incident>("incidents", "inc-stale"))?.data.state).toBe("remediated");
  });
});

describe("dry-run (the default)", () => {
  it("executes nothing on approve or automatically, and says what it would do", async () => {
    google.setPolicy(BUCKET, PUBLIC_POLICY);
    const policy = defaultPolicy({ autoRemediate: true, autoThreshold: 50 });
    expect(policy.mode).toBe("dry-run");
    const a = replica(policy);
    await seed(a.store, openIncident("inc-dry", [publicBucketFinding("acme-prod-invoices")]), policy);
    const auto = await a.actions.autoRemediate("inc-dry");
    expect(auto?.message).toMatch(/^Dry run: would remove allUsers/);
    const out = await a.actions.approve("inc-dry", alice);
    expect(out.ok).toBe(true);
    expect(out.message).toMatch(
      /^Dry run: would remove allUsers from .* on bucket gs:\/\/acme-prod-invoices/,
    );
    expect(out.message).toMatch(/Nothing was changed/);
    expect(google.calls).toHaveLength(0);
    expect((await a.store.get<Incident>("incidents", "inc-dry"))?.data.state).toBe("open");
  });
});

describe("never-touch list", () => {
  it("skips a step whose principal became never-touch after the plan was made", async () => {
    const project = "projects/acme-breakglass";
    const policyBefore: IamPolicy = {
      version: 1,
      bindings: [
        { role: "roles/owner", members: ["user:breakglass@acme.example", "user:alice@acme.example"] },
      ],
    };
    google.setPolicy(project, policyBefore);
    const lax = defaultPolicy({ mode: "enforce", twoPerson: [] });
    const strict = { ...lax, neverTouch: ["breakglass@*"] };
    const a = replica(strict);
    const inc = openIncident("inc-nt", [
      ownerGrantFinding("acme-breakglass", "user:breakglass@acme.example"),
    ]);
    const planned = await seed(a.store, inc, lax);
    expect(planned.plan?.actions).toHaveLength(1);

    const out = await a.actions.approve("inc-nt", alice);
    expect(out.message).toMatch(/skipped \(never-touch\)/);
    expect(writes()).toHaveLength(0);
    expect(google.policy(project).bindings?.[0].members).toContain("user:breakglass@acme.example");
    const stored = (await a.store.get<Incident>("incidents", "inc-nt"))?.data;
    expect(stored?.plan?.steps[0].status).toBe("skipped");
    expect(stored?.plan?.steps[0].message).toMatch(/never-touch: .*breakglass@\*/);
  });

  it("leaves never-touch projects out of new plans, so there is nothing to approve", async () => {
    const policy = defaultPolicy({ mode: "enforce", neverTouch: ["acme-breakglass"], twoPerson: [] });
    const a = replica(policy);
    const planned = await seed(
      a.store,
      openIncident("inc-nt2", [ownerGrantFinding("acme-breakglass", "user:mallory@example.com")]),
      policy,
    );
    expect(planned.plan?.actions).toHaveLength(0);
    expect(planned.plan?.notes.join(" ")).toMatch(/Never-touch/);
    expect((await a.actions.approve("inc-nt2", alice)).ok).toBe(false);
    expect(google.calls).toHaveLength(0);
  });
});

describe("two-person rule", () => {
  const project = "projects/acme-prod";
  const ownerPolicy: IamPolicy = {
    version: 1,
    bindings: [{ role: "roles/owner", members: ["user:alice@acme.example", "user:mallory@example.com"] }],
  };

  it("one approver pressing twice (from two chats) does not run roles/owner removal from a person", async () => {
    google.setPolicy(project, ownerPolicy);
    const policy = defaultPolicy({ mode: "enforce", autoRemediate: true, autoThreshold: 10 });
    const a = replica(policy);
    const planned = await seed(
      a.store,
      openIncident("inc-2p", [ownerGrantFinding("acme-prod", "user:mallory@example.com")], 99),
      policy,
    );
    expect(planned.plan?.approvalsRequired).toBe(2);
    expect(planned.plan?.auto).toBe(false);

    // Automatic mode never runs it, however high the risk.
    expect(await a.actions.autoRemediate("inc-2p")).toBeUndefined();
    const first = await a.actions.approve("inc-2p", alice);
    expect(first.message).toMatch(/Approval 1 of 2/);
    const same = await a.actions.approve("inc-2p", alice);
    expect(same.ok).toBe(false);
    expect(same.message).toMatch(/already approved/);
    // Pressing again from another device (another display name) is still the same responder.
    expect((await a.actions.approve("inc-2p", { ...alice, display: "Alice (phone)" })).ok).toBe(false);
    expect(writes()).toHaveLength(0);

    const second = await a.actions.approve("inc-2p", bob);
    expect(second.ok).toBe(true);
    expect(members(project)).not.toContain("user:mallory@example.com");
  });

  it("a plan made before the rule existed still needs two approvers when it is approved", async () => {
    google.setPolicy(project, ownerPolicy);
    const lax = defaultPolicy({ mode: "enforce", twoPerson: [] });
    const strict = defaultPolicy({ mode: "enforce" });
    const a = replica(strict);
    const planned = await seed(
      a.store,
      openIncident("inc-2p-old", [ownerGrantFinding("acme-prod", "user:mallory@example.com")]),
      lax,
    );
    expect(planned.plan?.approvalsRequired).toBe(1);
    const out = await a.actions.approve("inc-2p-old", alice);
    expect(out.message).toMatch(/Approval 1 of 2/);
    expect(writes()).toHaveLength(0);
  });
});

describe("blast-radius breaker", () => {
  it("pauses automatic mode after N automatic steps in an hour, tells the channel once, and lets people still act", async () => {
    const policy = defaultPolicy({
      mode: "enforce",
      autoRemediate: true,
      autoThreshold: 50,
      breakerMaxAutoPerHour: 2,
    });
    const a = replica(policy);
    const b = replica(policy);
    for (const n of [1, 2, 3, 4]) {
      google.setPolicy(`projects/_/buckets/b${n}`, {
        version: 1,
        bindings: [{ role: "roles/storage.objectViewer", members: ["allUsers"] }],
      });
      await seed(a.store, openIncident(`inc-br${n}`, [publicBucketFinding(`b${n}`, `gcp:e${n}`)]), policy);
    }
    expect((await a.actions.autoRemediate("inc-br1"))?.ok).toBe(true);
    expect((await b.actions.autoRemediate("inc-br2"))?.ok).toBe(true);
    const third = await a.actions.autoRemediate("inc-br3");
    expect(third?.ok).toBe(false);
    expect(third?.message).toMatch(/breaker tripped/);
    const fourth = await b.actions.autoRemediate("inc-br4");
    expect(fourth?.ok).toBe(false);

    expect(members("projects/_/buckets/b3")).toContain("allUsers");
    expect(members("projects/_/buckets/b4")).toContain("allUsers");
    expect(channel.notices.filter((n) => /Automatic remediation paused/.test(n))).toHaveLength(1);
    expect((await breakerState(a.store)).tripped).toBe(true);
    const stored = (await a.store.get<Incident>("incidents", "inc-br3"))?.data;
    expect(stored?.state).toBe("open");
    expect(stored?.timeline.at(-1)?.detail?.outcome).toMatch(/Paused/);

    // A person can still remediate by hand while automatic mode is paused.
    expect((await a.actions.approve("inc-br3", alice)).ok).toBe(true);
    expect(members("projects/_/buckets/b3")).not.toContain("allUsers");

    // Until a person resets it, automatic mode stays off.
    await resetBreaker(a.store, "slack:U0ALICE");
    expect((await b.actions.autoRemediate("inc-br4"))?.ok).toBe(true);
    expect(members("projects/_/buckets/b4")).not.toContain("allUsers");
  });
});
