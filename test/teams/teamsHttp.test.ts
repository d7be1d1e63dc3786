import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerFeature } from "../../bot/serverFeature";
import { mountSlack } from "../../bot/slack/mountSlack";
import type { TeamsChannel } from "../../bot/teams/teamsChannel";
import { TeamsConversations } from "../../bot/teams/teamsConversations";
import { teamsFeature } from "../../bot/teams/teamsFeature";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { BotConnectorStandIn } from "../helpers/botConnectorStandIn";
import { startTestServer, type TestServer } from "../helpers/server";
import { SlackStandIn } from "../helpers/slackStandIn";
import { cardActions, cardProblems, cardTexts } from "./cardValidation";
import { publicBucketIncident } from "./incidentFixture";

const APPROVER = "6f1c2a7e-0b1d-4c55-9b0e-2d7a1c3e9f10";
const CHANNEL = "19:8a7c1f0e2b9d4c3e@thread.tacv2";
const SIGNING = "8f742231b10e8888abcd99yyyzzz85a5";

function teamsActivity(serviceUrl: string, extra: Record<string, unknown>) {
  return {
    id: `f:${Math.random().toString(36).slice(2)}`,
    channelId: "msteams",
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: "29:1ada-mri", name: "Ada", aadObjectId: APPROVER },
    recipient: { id: "28:bot", name: "IAM Immune" },
    conversation: { id: CHANNEL, conversationType: "channel", isGroup: true, tenantId: "tenant-1" },
    channelData: { tenant: { id: "tenant-1" }, team: { id: "19:team@thread.tacv2" } },
    ...extra,
  };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

describe("POST /api/messages with Bot Framework authentication", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      {
        TEAMS_APP_ID: "0a1b2c3d-1111-2222-3333-444455556666",
        TEAMS_APP_PASSWORD: "not-a-real-secret-value",
        TEAMS_APP_TENANT_ID: "7e1f0000-aaaa-bbbb-cccc-ddddeeeeffff",
      },
      { features: [teamsFeature], startWorker: false },
    );
    await t.server.store.set("incidents", "inc-7f3a9c", publicBucketIncident());
  });
  afterAll(async () => t.close());

  it("rejects unauthenticated activities with 401 and changes nothing", async () => {
    const url = `${t.url}/api/messages`;
    const message = teamsActivity("https://smba.trafficmanager.net/emea/", {
      type: "message",
      text: "status",
    });
    const approve = teamsActivity("https://smba.trafficmanager.net/emea/", {
      type: "invoke",
      name: "adaptiveCard/action",
      value: { action: { type: "Action.Execute", verb: "approve", data: { incidentId: "inc-7f3a9c" } } },
    });
    for (const [body, headers] of [
      [message, {}],
      [approve, {}],
      [approve, { authorization: "Bearer not-a-jwt" }],
      [approve, { authorization: "Basic YWRtaW46YWRtaW4=" }],
    ] as const) {
      const res = await post(url, body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
    }
    expect((await t.server.store.get<Incident>("incidents", "inc-7f3a9c"))?.data).toEqual(
      publicBucketIncident(),
    );
    expect(await new TeamsConversations(t.server.store).all()).toEqual([]);
    expect(await listAudit(t.server.store)).toEqual([]);
    expect(t.server.channels.map((c) => c.name)).toEqual(["teams"]);
  });
});

describe("Teams and Slack on one server (local unauthenticated mode, Bot Connector stand-in)", () => {
  let t: TestServer;
  const connector = new BotConnectorStandIn();
  const slack = new SlackStandIn();
  let teams: TeamsChannel;

  /** Slack wired the way its feature does: Bolt on the same express app, same actions. */
  const slackForTest: ServerFeature = {
    name: "slack-test",
    install(ctx) {
      const mount = mountSlack(ctx.app, {
        store: ctx.store,
        get actions() {
          return ctx.actions;
        },
        config: ctx.config,
        publicUrl: ctx.publicUrl(),
        linkSecret: "link-secret-for-tests",
      });
      ctx.channels.push(mount.channel);
    },
  };

  beforeAll(async () => {
    await connector.start();
    await slack.start();
    t = await startTestServer(
      {
        LOCAL_UNAUTHENTICATED: "true",
        TEAMS_APPROVERS: APPROVER,
        SLACK_BOT_TOKEN: "xoxb-test",
        SLACK_SIGNING_SECRET: SIGNING,
        SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
        SLACK_API_URL: `${slack.url}/api/`,
        SLACK_APPROVERS: "U0APPROVER",
      },
      { features: [teamsFeature, slackForTest], startWorker: false },
    );
    teams = t.server.channels.find((c) => c.name === "teams") as TeamsChannel;
  });
  afterAll(async () => {
    await t.close();
    await connector.stop();
    await slack.stop();
  });

  it("answers a message with the same command card and stores the conversation for proactive posts", async () => {
    const res = await post(
      `${t.url}/api/messages`,
      teamsActivity(connector.url, { type: "message", text: "immune help" }),
    );
    expect(res.status).toBe(200);
    const reply = connector.calls.find((c) => c.op === "reply" || c.op === "send");
    expect(reply?.conversationId).toBe(CHANNEL);
    const card = BotConnectorStandIn.card(reply as never);
    expect(cardTexts(card)[0]).toBe("IAM Immune commands");
    expect(cardProblems(card)).toEqual([]);
    const convs = await new TeamsConversations(t.server.store).all();
    expect(convs.map((c) => c.conversationId)).toEqual([CHANNEL]);
  });

  it("posts a new incident once per channel (even when two publishes race) and updates it in place after", async () => {
    const incident = publicBucketIncident();
    await t.server.store.set("incidents", incident.id, incident);
    connector.calls.splice(0);
    await Promise.all([teams.publishIncident(incident), teams.publishIncident(incident)]);
    // A proactive post goes out as a reply to the continuation activity; Teams makes it a new message.
    const sends = connector.calls.filter((c) => c.op === "send" || c.op === "reply");
    expect(sends).toHaveLength(1);
    expect(sends[0].conversationId).toBe(CHANNEL);
    const card = BotConnectorStandIn.card(sends[0]);
    expect(cardProblems(card)).toEqual([]);
    // Everyone's card has no Approve; the approver's Teams id (learned from their message) is in refresh.
    expect(cardActions(card).map((a) => a.verb)).not.toContain("approve");
    expect((card as { refresh: { userIds: string[] } }).refresh.userIds).toEqual(["29:1ada-mri"]);
    const stored = (await t.server.store.get<Incident>("incidents", incident.id))?.data;
    expect(stored?.chat.teams).toEqual([
      { conversationId: CHANNEL, activityId: expect.any(String), serviceUrl: connector.url },
    ]);

    connector.calls.splice(0);
    await teams.publishIncident(incident);
    expect(connector.calls.filter((c) => c.op === "send" || c.op === "reply")).toEqual([]);
    const update = connector.calls.filter((c) => c.op === "update");
    expect(update).toHaveLength(1);
    expect(update[0].activityId).toBe(stored?.chat.teams?.[0].activityId);
  });

  it("says a reopened incident in the conversation once, besides updating its card", async () => {
    const incident = publicBucketIncident({ id: "inc-reopened-1" });
    await t.server.store.set("incidents", incident.id, incident);
    await teams.publishIncident(incident);
    const at = "2026-11-20T15:10:00.000Z";
    const reopened: Incident = {
      ...(await t.server.store.get<Incident>("incidents", incident.id))!.data,
      state: "open",
      stateChangedAt: at,
      timeline: [
        ...incident.timeline,
        { at, by: "system", what: "Reopened: seen again at 2026-11-20T15:09:58.000Z, after the remediation" },
      ],
    };
    await t.server.store.set("incidents", incident.id, reopened);
    connector.calls.splice(0);
    await Promise.all([teams.publishIncident(reopened), teams.publishIncident(reopened)]);
    const said = connector.calls.filter((c) => c.op === "send" || c.op === "reply");
    expect(said).toHaveLength(1);
    expect(JSON.stringify(BotConnectorStandIn.card(said[0]))).toContain(
      "Seen again at 2026-11-20T15:09:58.000Z, after the remediation",
    );
    expect(connector.calls.filter((c) => c.op === "update")).toHaveLength(2);
  });

  it("approving the same incident from Teams and Slack at once runs the approval once", async () => {
    const incident = publicBucketIncident({ id: "inc-race" });
    await t.server.store.set("incidents", incident.id, incident);
    const teamsPress = post(
      `${t.url}/api/messages`,
      teamsActivity(connector.url, {
        type: "invoke",
        name: "adaptiveCard/action",
        replyToId: "1700000000999",
        value: { action: { type: "Action.Execute", verb: "approve", data: { incidentId: incident.id } } },
      }),
    );
    const payload = {
      type: "block_actions",
      user: { id: "U0APPROVER", username: "bob", name: "bob", team_id: "T0" },
      api_app_id: "A0",
      token: "legacy",
      container: {
        type: "message",
        message_ts: "1700000000.000100",
        channel_id: "C0INCIDENTS",
        is_ephemeral: false,
      },
      trigger_id: "123.456.abc",
      team: { id: "T0", domain: "acme" },
      channel: { id: "C0INCIDENTS", name: "incidents" },
      message: { type: "message", ts: "1700000000.000100", text: "card" },
      response_url: `${slack.url}/response/1`,
      actions: [
        {
          action_id: "approve",
          block_id: "incident_actions",
          text: { type: "plain_text", text: "Approve remediation" },
          value: incident.id,
          type: "button",
          action_ts: "1700000001.000200",
        },
      ],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = Math.floor(Date.now() / 1000).toString();
    const sig = `v0=${createHmac("sha256", SIGNING).update(`v0:${ts}:${body}`).digest("hex")}`;
    const slackPress = fetch(`${t.url}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": sig,
      },
      body,
    });
    const [teamsRes, slackRes] = await Promise.all([teamsPress, slackPress]);
    expect(teamsRes.status).toBe(200);
    expect(slackRes.status).toBe(200);

    // Slack acks first and works after: wait until both presses are in the audit log.
    const deadline = Date.now() + 5000;
    let audit = await listAudit(t.server.store, { incidentId: incident.id });
    while (audit.filter((a) => a.action === "press:approve").length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      audit = await listAudit(t.server.store, { incidentId: incident.id });
    }
    await new Promise((r) => setTimeout(r, 300));
    audit = await listAudit(t.server.store, { incidentId: incident.id });
    expect(
      audit
        .filter((a) => a.action === "press:approve")
        .map((a) => a.actor)
        .sort(),
    ).toEqual(["slack:U0APPROVER", `teams:${APPROVER}`]);
    expect(audit.filter((a) => a.action === "approve")).toHaveLength(1);
    const stored = (await t.server.store.get<Incident>("incidents", incident.id))?.data;
    expect(stored?.plan?.approvals).toHaveLength(1);
    expect(stored?.plan?.steps).toHaveLength(1);
    expect(stored?.timeline.filter((e) => e.what === "approved the remediation")).toHaveLength(1);

    // The one who lost the race is told who won, on their own platform.
    const winner = stored?.plan?.approvals[0].by;
    const teamsAnswer = JSON.parse(teamsRes.text || "{}") as { type?: string; value?: unknown };
    if (winner === "slack:U0APPROVER") {
      expect(teamsAnswer.type).toBe("application/vnd.microsoft.activity.message");
      expect(String(teamsAnswer.value)).toMatch(/^Already approved by/);
    } else {
      expect(teamsAnswer.type).toBe("application/vnd.microsoft.card.adaptive");
      const ephemeral = slack.calls.find((c) => c.method === "chat.postEphemeral");
      expect(String(ephemeral?.body.text)).toMatch(/^Already approved by/);
    }
  });
});
