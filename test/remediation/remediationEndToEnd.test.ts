import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConsoleChannel } from "../../bot/console/consoleChannel";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { remediationFeature } from "../../remediation/remediationFeature";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import type { GoogleApiStandIn } from "../helpers/googleApiStandIn";
import { startGoogleApiStandIn } from "../helpers/googleApiStandIn";
import { CapturingChannel } from "../helpers/remediationFixtures";
import type { TestServer } from "../helpers/server";
import { postJson, startTestServer } from "../helpers/server";

const BUCKET = "projects/_/buckets/acme-prod-invoices";
const BEFORE = {
  version: 1,
  bindings: [
    {
      role: "roles/storage.legacyBucketOwner",
      members: ["projectEditor:acme-prod", "projectOwner:acme-prod"],
    },
    { role: "roles/storage.legacyBucketReader", members: ["projectViewer:acme-prod"] },
    { role: "roles/storage.objectViewer", members: ["allUsers"] },
  ],
};

let google: GoogleApiStandIn;
let t: TestServer | undefined;

beforeAll(async () => {
  google = await startGoogleApiStandIn();
});
afterAll(async () => {
  await google.close();
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  google.reset();
});

async function start(env: Record<string, string>) {
  const channel = new CapturingChannel();
  // The console channel renders the real card view, as a responder would read it.
  const printed: string[] = [];
  const printer = new ConsoleChannel((text) => printed.push(text));
  t = await startTestServer(
    { LOCAL_UNAUTHENTICATED: "true", GOOGLE_API_ROOT_URL: google.url, ...env },
    { features: [remediationFeature()], channels: [channel, printer] },
  );
  return { t, channel, printed };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function incidentWhere(
  server: TestServer,
  pred: (i: Incident) => boolean,
): Promise<Incident | undefined> {
  const docs = await server.server.store.query<Incident>("incidents", {});
  return docs.map((d) => d.data).find(pred);
}

const bucketMembers = () => (google.policy(BUCKET).bindings ?? []).flatMap((b) => b.members ?? []);

describe("remediation end to end", () => {
  it("auto mode: a public-bucket event above the threshold is remediated; card and audit log show it; Undo restores", async () => {
    google.setPolicy(BUCKET, BEFORE);
    const { t, channel, printed } = await start({
      REMEDIATION_MODE: "enforce",
      AUTO_REMEDIATE: "true",
      AUTO_REMEDIATE_THRESHOLD: "40",
    });
    expect(t.server.announcements.join("\n")).toMatch(/remediation: enforce, automatic at risk ≥ 40/);

    const res = await postJson(
      `${t.url}/events/gcp`,
      pubSubPush(gcpPublicBucketEntry({ insertId: "e2e-auto-1" })),
    );
    expect(res.status).toBe(200);
    const inc = await waitFor("remediated incident", () =>
      incidentWhere(t, (i) => i.state === "remediated" || i.state === "failed"),
    );
    expect(inc.risk).toBeGreaterThanOrEqual(40);
    expect(inc.state).toBe("remediated");
    expect(bucketMembers()).not.toContain("allUsers");
    // The other bindings were written back untouched.
    expect(google.policy(BUCKET).bindings?.slice(0, 2)).toEqual(BEFORE.bindings.slice(0, 2));

    const card = channel.last(inc.id);
    expect(card?.state).toBe("remediated");
    expect(card?.plan?.steps[0]).toMatchObject({ status: "done" });
    expect(card?.plan?.steps[0].message).toMatch(/removed allUsers from roles\/storage.objectViewer/);
    expect(card?.timeline.map((e) => e.what)).toEqual(
      expect.arrayContaining(["started automatic remediation", "Remediation complete"]),
    );
    const lastCard = printed.filter((p) => p.includes(inc.id)).at(-1) ?? "";
    expect(lastCard).toMatch(/Remediated/);
    expect(lastCard).toMatch(/Remove allUsers from .* on bucket gs:\/\/acme-prod-invoices/);
    expect(lastCard).toMatch(/Undo/);
    const audit = (await listAudit(t.server.store, { incidentId: inc.id })).map(
      (e) => `${e.actor} ${e.action}`,
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        "system remediation.plan",
        "auto remediation.auto",
        "auto remediation.step.done",
        "auto incident.remediated",
      ]),
    );

    const undo = await t.server.actions.undo(inc.id, {
      platform: "slack",
      id: "U0ONCALL",
      display: "On-call",
      approver: true,
    });
    expect(undo.ok).toBe(true);
    expect(google.policy(BUCKET).bindings).toEqual(BEFORE.bindings);
    expect(channel.last(inc.id)?.state).toBe("reverted");
    expect(printed.filter((p) => p.includes(inc.id)).at(-1)).toMatch(/Reverted \(undone\)/);
    const after = (await listAudit(t.server.store, { incidentId: inc.id })).map(
      (e) => `${e.actor} ${e.action}`,
    );
    expect(after).toEqual(
      expect.arrayContaining(["slack:U0ONCALL remediation.step.undone", "slack:U0ONCALL incident.reverted"]),
    );
  });

  it("the grant re-added after an automatic remediation reopens the incident, which is remediated again", async () => {
    google.setPolicy(BUCKET, BEFORE);
    // A week-long window keeps both events on one incident however the clock falls.
    const { t, channel } = await start({
      REMEDIATION_MODE: "enforce",
      AUTO_REMEDIATE: "true",
      AUTO_REMEDIATE_THRESHOLD: "40",
      INCIDENT_WINDOW_MINUTES: String(7 * 24 * 60),
    });
    const first = new Date(Date.now() - 1000).toISOString();
    await postJson(
      `${t.url}/events/gcp`,
      pubSubPush(gcpPublicBucketEntry({ insertId: "regrant-1", timestamp: first })),
    );
    const remediated = await waitFor("remediated incident", () =>
      incidentWhere(t, (i) => i.state === "remediated"),
    );
    expect(bucketMembers()).not.toContain("allUsers");

    // The attacker grants allUsers again, after the remediation.
    google.setPolicy(BUCKET, BEFORE);
    const again = new Date(Date.parse(remediated.stateChangedAt) + 1000).toISOString();
    await postJson(
      `${t.url}/events/gcp`,
      pubSubPush(gcpPublicBucketEntry({ insertId: "regrant-2", timestamp: again })),
    );
    const reRemediated = await waitFor("second remediation", () =>
      incidentWhere(t, (i) => i.id === remediated.id && i.state === "remediated" && i.eventIds.length === 2),
    );
    expect(bucketMembers()).not.toContain("allUsers");
    expect(google.calls.filter((c) => c.method === "PUT")).toHaveLength(2);
    const said = reRemediated.timeline.map((e) => e.what);
    expect(said.filter((w) => w === "Remediation complete")).toHaveLength(2);
    expect(said.some((w) => w.startsWith("Reopened: seen again"))).toBe(true);
    expect(channel.last(remediated.id)?.state).toBe("remediated");

    // A late copy of the first grant (its time is before the remediation) changes nothing.
    await postJson(
      `${t.url}/events/gcp`,
      pubSubPush(gcpPublicBucketEntry({ insertId: "regrant-0", timestamp: first })),
    );
    await waitFor("late event processed", async () =>
      (await t.server.store.inboxCounts()).pending === 0 ? true : undefined,
    );
    const final = await incidentWhere(t, (i) => i.id === remediated.id);
    expect(final?.state).toBe("remediated");
    expect(google.calls.filter((c) => c.method === "PUT")).toHaveLength(2);
  });

  it("dry-run (the default) executes nothing and the card says what it would do", async () => {
    google.setPolicy(BUCKET, BEFORE);
    const { t, channel, printed } = await start({ AUTO_REMEDIATE: "true", AUTO_REMEDIATE_THRESHOLD: "40" });
    expect(t.server.announcements.join("\n")).toMatch(/remediation: dry-run/);
    const status = (await Promise.all(t.server.status.map((s) => s.integrations()))).flat();
    expect(status).toContainEqual(expect.objectContaining({ name: "Remediation", connected: true }));
    await postJson(`${t.url}/events/gcp`, pubSubPush(gcpPublicBucketEntry({ insertId: "e2e-dry-1" })));
    const inc = await waitFor("dry-run note", () =>
      incidentWhere(t, (i) => i.timeline.some((e) => e.what === "would remediate automatically")),
    );
    expect(inc.state).toBe("open");
    expect(inc.plan?.dryRun).toBe(true);
    const card = channel.last(inc.id);
    expect(String(card?.timeline.at(-1)?.detail?.outcome)).toMatch(
      /^Dry run: would remove allUsers from .* on bucket gs:\/\/acme-prod-invoices/,
    );
    expect(printed.filter((p) => p.includes(inc.id)).at(-1)).toMatch(/Dry run: nothing will be changed/);
    const pressed = await t.server.actions.approve(inc.id, {
      platform: "slack",
      id: "U0ONCALL",
      approver: true,
    });
    expect(pressed.message).toMatch(/^Dry run: would/);
    expect(google.calls).toHaveLength(0);
    expect(bucketMembers()).toContain("allUsers");
  });

  it("below the threshold nothing runs by itself; an approver's press remediates", async () => {
    google.setPolicy(BUCKET, BEFORE);
    const { t } = await start({
      REMEDIATION_MODE: "enforce",
      AUTO_REMEDIATE: "true",
      AUTO_REMEDIATE_THRESHOLD: "100",
    });
    await postJson(`${t.url}/events/gcp`, pubSubPush(gcpPublicBucketEntry({ insertId: "e2e-manual-1" })));
    const inc = await waitFor("planned incident", () => incidentWhere(t, (i) => Boolean(i.plan)));
    expect(inc.risk).toBeLessThan(100);
    expect(inc.plan?.notes.join(" ")).toMatch(/below the automatic threshold 100/);
    expect(google.calls).toHaveLength(0);
    const out = await t.server.actions.approve(inc.id, { platform: "teams", id: "aad-1", approver: true });
    expect(out.ok).toBe(true);
    expect(bucketMembers()).not.toContain("allUsers");
  });
});
