import { type Activity, TestAdapter, type TurnContext } from "botbuilder";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BasicIncidentActions } from "../../bot/basicIncidentActions";
import { loadConfig } from "../../bot/config";
import { TeamsBot } from "../../bot/teams/teamsBot";
import { TeamsConversations } from "../../bot/teams/teamsConversations";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { cardActions, cardTexts } from "./cardValidation";
import { publicBucketIncident } from "./incidentFixture";

const APPROVER = "6f1c2a7e-0b1d-4c55-9b0e-2d7a1c3e9f10";
const OTHER = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d";
const CHANNEL = "19:8a7c1f0e2b9d4c3e@thread.tacv2";
const NOW = new Date("2026-11-20T15:00:00Z");

function user(aad: string, name: string) {
  return { id: `29:1${aad.slice(0, 8)}-mri`, name, aadObjectId: aad };
}

/** The activity shapes Teams sends (channelId msteams, channelData with tenant and team). */
function activity(from: ReturnType<typeof user>, extra: Partial<Activity>): Partial<Activity> {
  return {
    channelId: "msteams",
    serviceUrl: "https://smba.trafficmanager.net/emea/",
    from,
    recipient: { id: "28:bot-app-id", name: "IAM Immune" },
    conversation: { id: CHANNEL, conversationType: "channel", isGroup: true, tenantId: "tenant-1", name: "" },
    channelData: {
      tenant: { id: "tenant-1" },
      team: { id: "19:team@thread.tacv2" },
      channel: { id: CHANNEL },
    },
    ...extra,
  };
}

function press(
  from: ReturnType<typeof user>,
  verb: string,
  data: Record<string, unknown>,
): Partial<Activity> {
  return activity(from, {
    type: "invoke",
    name: "adaptiveCard/action",
    replyToId: "1700000000000",
    value: { action: { type: "Action.Execute", id: "", verb, data }, trigger: "manual" },
  });
}

/** TestAdapter drops updates of messages it did not queue in this turn; keep them to assert on. */
class RecordingAdapter extends TestAdapter {
  readonly updates: Partial<Activity>[] = [];
  override async updateActivity(context: TurnContext, a: Partial<Activity>) {
    this.updates.push(a);
    return super.updateActivity(context, a);
  }
}

describe("Teams bot (botbuilder TestAdapter)", () => {
  let store: SqliteStore;
  let adapter: RecordingAdapter;
  let bot: TeamsBot;
  let incident: Incident;

  beforeEach(async () => {
    store = new SqliteStore(":memory:");
    incident = publicBucketIncident();
    await store.set("incidents", incident.id, incident);
    const actions = new BasicIncidentActions(store, () => NOW);
    bot = new TeamsBot({
      store,
      actions: () => actions,
      config: loadConfig({}),
      conversations: new TeamsConversations(store, () => NOW),
      approvers: [APPROVER],
      now: () => NOW,
    });
    adapter = new RecordingAdapter((context) => bot.run(context));
  });
  afterEach(async () => store.close());

  async function send(a: Partial<Activity>): Promise<Partial<Activity>[]> {
    adapter.activeQueue.splice(0);
    await adapter.processActivity(a);
    return [...adapter.activeQueue];
  }

  function invokeResponse(out: Partial<Activity>[]) {
    const r = out.find((a) => a.type === "invokeResponse");
    expect(r).toBeDefined();
    return (
      (r as Partial<Activity>).value as {
        status: number;
        body: { statusCode: number; type: string; value: unknown };
      }
    ).body;
  }

  it("answers `immune status` with the status card and remembers the conversation", async () => {
    const out = await send(
      activity(user(OTHER, "Bob"), { type: "message", text: "<at>IAM Immune</at> immune status" }),
    );
    expect(out).toHaveLength(1);
    const card = out[0].attachments?.[0];
    expect(card?.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(cardTexts(card?.content)[0]).toBe("IAM Immune status");
    const convs = await new TeamsConversations(store).all();
    expect(convs).toHaveLength(1);
    expect(convs[0]).toMatchObject({
      conversationId: CHANNEL,
      conversationType: "channel",
      teamId: "19:team@thread.tacv2",
    });
    expect(convs[0].reference.serviceUrl).toBe("https://smba.trafficmanager.net/emea/");
  });

  it("answers help, unknown commands and incident lists with the same wording as Slack", async () => {
    const help = await send(activity(user(OTHER, "Bob"), { type: "message", text: "help" }));
    expect(cardTexts(help[0].attachments?.[0].content)).toContain(
      "/immune status: events in 24 h, open incidents by risk, backlog, integrations",
    );
    const bad = await send(activity(user(OTHER, "Bob"), { type: "message", text: "immune frobnicate" }));
    expect(cardTexts(bad[0].attachments?.[0].content)).toContain('Unknown command "frobnicate".');
    const list = await send(activity(user(OTHER, "Bob"), { type: "message", text: "/immune incidents" }));
    expect(JSON.stringify(list[0].attachments?.[0].content)).toContain(incident.title);
  });

  it("an approver's Approve records the approval, updates the card for everyone and answers with the new card", async () => {
    const out = await send(press(user(APPROVER, "Ada"), "approve", { incidentId: incident.id }));
    const body = invokeResponse(out);
    expect(body.statusCode).toBe(200);
    expect(body.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(cardActions(body.value).map((a) => a.verb)).not.toContain("approve");
    expect(JSON.stringify(body.value)).toContain("approved the remediation");

    const stored = (await store.get<Incident>("incidents", incident.id))?.data;
    expect(stored?.plan?.approvals).toEqual([{ by: `teams:${APPROVER}`, at: NOW.toISOString() }]);
    // The card message itself was updated in place (for everyone), and the timeline line posted.
    expect(adapter.updates).toHaveLength(1);
    const update = adapter.updates[0];
    expect(update.id).toBe("1700000000000");
    expect(update.conversation?.id).toBe(CHANNEL);
    const everyone = update.attachments?.[0].content;
    expect(cardActions(everyone).map((a) => a.verb)).not.toContain("approve");
    expect(JSON.stringify(everyone)).toContain("approved the remediation");
    const thread = out
      .filter((a) => a.type === "message")
      .map((a) => cardTexts(a.attachments?.[0].content).join(" "));
    expect(thread.some((t) => t.startsWith("Ada approved the remediation"))).toBe(true);
    const audit = await listAudit(store, { incidentId: incident.id });
    expect(audit.map((a) => a.action).sort()).toEqual(["approve", "press:approve"]);
  });

  it("refuses Approve from a non-approver, audits the refusal, and changes nothing", async () => {
    const out = await send(press(user(OTHER, "Bob"), "approve", { incidentId: incident.id }));
    const body = invokeResponse(out);
    expect(body.type).toBe("application/vnd.microsoft.activity.message");
    expect(body.value).toBe("Only configured approvers can approve a remediation. Ask one of them.");
    expect((await store.get<Incident>("incidents", incident.id))?.data).toEqual(incident);
    const audit = await listAudit(store, { incidentId: incident.id });
    expect(audit.map((a) => a.action).sort()).toEqual(["press:approve", "refused:approve"]);
    expect(audit.find((a) => a.action === "refused:approve")?.actor).toBe(`teams:${OTHER}`);
  });

  it("Propose this change says so when remediation is off, audits the press, and opens nothing", async () => {
    const out = await send(press(user(OTHER, "Bob"), "propose_change", { incidentId: "ana@acme.com" }));
    const body = invokeResponse(out);
    expect(body.value).toBe("Remediation is not enabled on this server, so nothing can be proposed.");
    expect((await store.query<Incident>("incidents", {})).map((d) => d.id)).toEqual([incident.id]);
    const pressed = (await listAudit(store)).find((a) => a.action === "press:propose_change");
    expect(pressed?.detail.principal).toBe("ana@acme.com");
  });

  it("refresh gives approvers the Approve button and others the state only", async () => {
    const mine = invokeResponse(
      await send(press(user(APPROVER, "Ada"), "refresh", { incidentId: incident.id })),
    );
    const theirs = invokeResponse(
      await send(press(user(OTHER, "Bob"), "refresh", { incidentId: incident.id })),
    );
    expect(cardActions(mine.value).map((a) => a.verb)).toContain("approve");
    expect(cardActions(theirs.value).map((a) => a.verb)).not.toContain("approve");
    expect(cardTexts(theirs.value)).toContain("Open");
  });

  it("dismiss needs the reason from the card's form, then dismisses and can add a suppression", async () => {
    const empty = invokeResponse(
      await send(press(user(OTHER, "Bob"), "dismiss", { incidentId: incident.id, reason: " " })),
    );
    expect(empty.value).toBe("A reason is needed to dismiss an incident.");
    const ok = invokeResponse(
      await send(
        press(user(OTHER, "Bob"), "dismiss", {
          incidentId: incident.id,
          reason: "planned test, SEC-42",
          suppress: "true",
        }),
      ),
    );
    expect(ok.type).toBe("application/vnd.microsoft.card.adaptive");
    const stored = (await store.get<Incident>("incidents", incident.id))?.data;
    expect(stored?.state).toBe("dismissed");
    expect(stored?.dismissReason).toBe("planned test, SEC-42");
    expect(await store.query("suppressions")).toHaveLength(1);
    expect(cardActions(ok.value).filter((a) => a.type === "Action.Execute")).toEqual([]);
  });

  it("snooze and assign change the incident for whoever presses", async () => {
    await send(press(user(OTHER, "Bob"), "assign", { incidentId: incident.id }));
    const body = invokeResponse(
      await send(press(user(OTHER, "Bob"), "snooze_1h", { incidentId: incident.id })),
    );
    const stored = (await store.get<Incident>("incidents", incident.id))?.data;
    expect(stored?.assignee).toBe(`teams:${OTHER}`);
    expect(stored?.state).toBe("snoozed");
    expect(stored?.snoozedUntil).toBe("2026-11-20T16:00:00.000Z");
    expect(cardTexts(body.value)).toContain("Snoozed");
  });

  it("forgets the conversation when the app is uninstalled", async () => {
    await send(activity(user(OTHER, "Bob"), { type: "installationUpdate", action: "add" }));
    expect(await new TeamsConversations(store).all()).toHaveLength(1);
    await send(activity(user(OTHER, "Bob"), { type: "installationUpdate", action: "remove" }));
    expect(await new TeamsConversations(store).all()).toHaveLength(0);
  });
});
