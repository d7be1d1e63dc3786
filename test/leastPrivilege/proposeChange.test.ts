import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../bot/commands/runCommand";
import type { Responder } from "../../bot/incidentActions";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { leastPrivilegeFeature } from "../../remediation/leastPrivilege/leastPrivilegeFeature";
import { remediationFeature } from "../../remediation/remediationFeature";
import { pubSubPush } from "../helpers/fixtures";
import { CapturingChannel } from "../helpers/remediationFixtures";
import { postJson, startTestServer, type TestServer } from "../helpers/server";
import { anaHistory } from "./auditEntries";
import { canonical, type GoogleIamStandIn, startGoogleIamStandIn } from "./googleIamStandIn";

/**
 * "Propose this change" on a recommendation card, in the real server: the recommendation
 * becomes one incident with its plan however often it is pressed, its card is posted, an
 * approver's approval rewrites the project policy through the Google API stand-in, and Undo
 * puts it back.
 */

const NOW = new Date("2026-11-23T10:00:00Z");
const ANA = "user:ana@acme.com";
const dana: Responder = { platform: "slack", id: "U024BE7LH", display: "Dana", approver: true };
const eve: Responder = { platform: "slack", id: "U0EVE", display: "Eve", approver: false };
const BEFORE = canonical({
  version: 1,
  etag: "BwYhZz1mQ2A=",
  bindings: [
    { role: "roles/editor", members: [ANA, "user:bob@acme.com"] },
    { role: "roles/viewer", members: ["group:devs@acme.com"] },
  ],
});

describe("proposing a least-privilege change from the recommendation card", () => {
  let t: TestServer;
  let google: GoogleIamStandIn;
  const channel = new CapturingChannel();

  beforeAll(async () => {
    google = await startGoogleIamStandIn({ "acme-prod": structuredClone(BEFORE) });
    t = await startTestServer(
      {
        LOCAL_UNAUTHENTICATED: "true",
        LEAST_PRIVILEGE_MIN_HISTORY_DAYS: "5",
        REMEDIATION_MODE: "enforce",
        GOOGLE_API_ROOT_URL: google.url,
      },
      {
        features: [remediationFeature({ now: () => NOW }), leastPrivilegeFeature({ now: () => NOW })],
        channels: [channel],
        startWorker: false,
      },
    );
    const entries = anaHistory();
    for (const e of entries) {
      expect((await postJson(`${t.url}/events/gcp`, pubSubPush(e, `m-${e.insertId}`))).status).toBe(200);
    }
    while ((await t.server.processor.drainOnce()) > 0) {}
  });
  afterAll(async () => {
    await t.close();
    await google.close();
  });

  const deps = () => ({ store: t.server.store, config: t.server.config, now: () => NOW });
  const proposals = async () =>
    (await t.server.store.query<Incident>("incidents", {}))
      .map((d) => d.data)
      .filter((i) => i.id.startsWith("lp-"));

  it("the card offers the change, naming it in the confirmation; without remediation it offers nothing", async () => {
    const { view } = await runCommand("recommend ana@acme.com", dana, {
      ...deps(),
      actions: t.server.actions,
    });
    expect(view.actions).toHaveLength(1);
    const [action] = view.actions;
    expect(action).toMatchObject({
      id: "propose_change",
      label: "Propose this change",
      value: "ana@acme.com",
    });
    expect(action.confirm?.text).toMatch(/Nothing changes until an approver approves it/);
    expect(action.confirm?.text).toMatch(/roles\/editor/);

    const bare = await runCommand("recommend ana@acme.com", dana, deps());
    expect(bare.view.actions).toHaveLength(0);
  });

  it("pressing twice opens one change with its plan and one card; approval applies it and Undo restores it", async () => {
    const actions = t.server.actions;
    const [a, b] = await Promise.all([
      actions.proposeLeastPrivilege!("ana@acme.com", eve),
      actions.proposeLeastPrivilege!("ana@acme.com", dana),
    ]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect([a.message, b.message].filter((m) => m.startsWith("Opened a change"))).toHaveLength(1);
    expect([a.message, b.message].filter((m) => m.startsWith("This change is already open"))).toHaveLength(1);

    const [proposal] = await proposals();
    expect(await proposals()).toHaveLength(1);
    expect(proposal.state).toBe("open");
    expect(proposal.plan?.actions.map((x) => x.kind)).toEqual(["gcp.replaceRoles"]);
    expect(proposal.plan?.dryRun).toBe(false);
    expect(channel.cards.filter((c) => c.id === proposal.id)).toHaveLength(1);
    expect(google.sets).toHaveLength(0);
    const audit = await listAudit(t.server.store, { incidentId: proposal.id });
    expect(audit.map((e) => e.action)).toEqual(["leastPrivilege.propose"]);

    // Proposing is open to anyone; applying is for approvers.
    expect((await actions.approve(proposal.id, eve)).ok).toBe(false);
    expect(google.sets).toHaveLength(0);
    const approved = await actions.approve(proposal.id, dana);
    expect(approved.ok).toBe(true);
    const after = google.policies.get("acme-prod");
    const holders = (role: string) => after?.bindings?.find((x) => x.role === role)?.members ?? [];
    expect(holders("roles/editor")).toEqual(["user:bob@acme.com"]);
    expect(holders("roles/cloudsql.client")).toEqual([ANA]);
    expect(holders("roles/pubsub.publisher")).toEqual([ANA]);
    expect((await t.server.store.get<Incident>("incidents", proposal.id))?.data.state).toBe("remediated");

    expect((await actions.undo(proposal.id, dana)).ok).toBe(true);
    expect(canonical(google.policies.get("acme-prod")!).bindings).toEqual(BEFORE.bindings);
  });

  it("says why when nothing is stored for the principal", async () => {
    const out = await t.server.actions.proposeLeastPrivilege!("nobody@acme.com", dana);
    expect(out).toMatchObject({ ok: false, message: "No recommendation is stored for nobody@acme.com." });
  });
});
