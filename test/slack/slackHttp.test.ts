import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISMISS_CALLBACK, DISMISS_REASON, DISMISS_SUPPRESS } from "../../bot/slack/blockKit";
import { MessageSchema, ModalSchema } from "../../bot/slack/blockKitLimits";
import type { SlackChannel } from "../../bot/slack/slackChannel";
import { slackFeature } from "../../bot/slack/slackFeature";
import type { Incident, Suppression } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { mutate } from "../../integrations/store/store";
import { planRemediation } from "../../remediation/plan";
import { defaultPolicy } from "../../remediation/policy";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import { postJson, startTestServer, type TestServer } from "../helpers/server";
import {
  blockActionsBody,
  postSigned,
  type SlackUser,
  slashCommandBody,
  viewSubmissionBody,
} from "../helpers/slackRequests";
import { type RecordedCall, SlackStandIn } from "../helpers/slackStandIn";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const CHANNEL = "C0INCIDENTS";
const APPROVER: SlackUser = { id: "U0APPROVER", username: "alice" };
const GROUP_MEMBER: SlackUser = { id: "U0GROUPMEM", username: "gina" };
const OUTSIDER: SlackUser = { id: "U0OUTSIDER", username: "bob" };

let slack: SlackStandIn;
let a: TestServer;
let b: TestServer;

const env = () => ({
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
  SLACK_API_URL: slack.apiUrl,
  SLACK_INCIDENT_CHANNEL: CHANNEL,
  SLACK_APPROVERS: "U0APPROVER,S0SECOPS",
  LINK_SIGNING_SECRET: "link-key-4c1f0e2b9a7d",
});
// Fast retries: the stand-in never fails unless told to.
const feature = () =>
  slackFeature({
    // 429s are retried after Retry-After; nothing else is retried by the client.
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
    serverRetry: { attempts: 0, baseMs: 1 },
    progressAfterMs: 10_000,
  });

beforeAll(async () => {
  slack = await new SlackStandIn().start();
  slack.groups = { S0SECOPS: [GROUP_MEMBER.id] };
  a = await startTestServer(env(), { features: [feature()] });
  // A second replica over the same SQLite data folder, as two containers sharing a volume would.
  b = await startTestServer(env(), { features: [feature()], dataDir: a.dataDir });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await slack?.stop();
});

/** Every message the bot sent to Slack must pass the Block Kit limits schema. */
function checkLimits(calls: RecordedCall[]): void {
  for (const c of calls) {
    if (c.method === "views.open") ModalSchema.parse(c.body.view);
    else if (Array.isArray(c.body.blocks)) MessageSchema.parse({ text: c.body.text, blocks: c.body.blocks });
  }
}

function blocksText(call: RecordedCall): string {
  return JSON.stringify(call.body.blocks ?? []);
}

function buttons(call: RecordedCall): { action_id: string; text: { text: string }; url?: string }[] {
  const blocks = (call.body.blocks ?? []) as { type: string; elements?: unknown[] }[];
  return blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements as never[]);
}

let seq = 0;
/** A real GCP audit-log event through the webhook → incident → card posted in the channel. */
async function ingestIncident(): Promise<{ incident: Incident; card: RecordedCall; ref: { ts: string } }> {
  seq++;
  const principal = `mallory${seq}@example.com`;
  const entry = gcpPublicBucketEntry({ insertId: `slack-http-${seq}`, principal });
  const res = await postJson(`${a.url}/events/gcp`, pubSubPush(entry, `m${seq}`));
  expect(res.status).toBe(200);
  await slack.waitFor((calls) =>
    calls.some(
      (c) => c.method === "chat.postMessage" && !c.body.thread_ts && blocksText(c).includes(principal),
    ),
  );
  const card = slack
    .of("chat.postMessage")
    .find((c) => !c.body.thread_ts && blocksText(c).includes(principal))!;
  let incident: Incident | undefined;
  const end = Date.now() + 5000;
  while (!incident?.chat.slack && Date.now() < end) {
    const docs = await a.server.store.query<Incident>("incidents", { limit: 500 });
    incident = docs.map((d) => d.data).find((i) => i.actor.id === principal);
    if (!incident?.chat.slack) await new Promise((r) => setTimeout(r, 20));
  }
  expect(incident?.chat.slack).toBeDefined();
  return { incident: incident!, card, ref: incident!.chat.slack! };
}

function channelOf(t: TestServer): SlackChannel {
  return t.server.channels.find((c) => c.name === "slack") as SlackChannel;
}

/** What the remediation engine does when it plans an incident: store the plan, re-publish. */
async function withPlan(t: TestServer, incident: Incident): Promise<Incident> {
  const plan = planRemediation(incident, defaultPolicy());
  const doc = await mutate<Incident>(t.server.store, "incidents", incident.id, (cur) =>
    cur ? { ...cur, plan } : undefined,
  );
  await channelOf(t).publishIncident(doc!.data);
  return doc!.data;
}

function press(t: TestServer, user: SlackUser, actionId: string, incident: Incident, ts: string) {
  return postSigned(
    t.url,
    SECRET,
    blockActionsBody({
      user,
      actionId,
      value: incident.id,
      channel: CHANNEL,
      messageTs: ts,
      responseUrl: slack.responseUrl(),
    }),
  );
}

async function snapshot(t: TestServer, incidentId?: string) {
  const store = t.server.store;
  return {
    incident: incidentId ? (await store.get<Incident>("incidents", incidentId))?.version : undefined,
    audit: (await listAudit(store, { limit: 10_000 })).length,
    suppressions: (await store.query<Suppression>("suppressions", { limit: 10_000 })).length,
    slackCalls: slack.calls.length,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe("incident cards", () => {
  it("posts a card for a real incident, with risk, who/what/where, why, and the buttons", async () => {
    const { incident, card } = await ingestIncident();
    expect(card.body.channel).toBe(CHANNEL);
    const text = blocksText(card);
    expect(text).toContain("High risk · 70/100");
    expect(text).toContain("acme-prod-invoices");
    expect(text).toContain("Why it is risky");
    // Slack date token: each reader sees their own local time.
    expect(text).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
    const ids = buttons(card).map((b) => b.action_id);
    expect(ids).toEqual(["dismiss", "snooze_1h", "snooze_24h", "assign", "details"]);
    const details = buttons(card).find((b) => b.action_id === "details")!;
    expect(details.url).toContain(`${a.url}/incidents/${incident.id}?exp=`);
    checkLimits([card]);
  });

  it("shows Approve with a confirm dialog naming the change once remediation is planned", async () => {
    const { incident, ref } = await ingestIncident();
    slack.clear();
    await withPlan(a, incident);
    const [update] = slack.of("chat.update");
    expect(update.body).toMatchObject({ channel: CHANNEL, ts: ref.ts });
    const approve = buttons(update).find((b) => b.action_id === "approve") as unknown as {
      text: { text: string };
      confirm: { text: { text: string } };
    };
    expect(approve.text.text).toBe("Approve remediation");
    expect(approve.confirm.text.text).toContain(
      "Remove allUsers from every role on bucket gs://acme-prod-invoices.",
    );
    checkLimits(slack.calls);
  });
});

describe("button presses", () => {
  it("Approve by a listed approver updates the card in place and threads the outcome; a second press, on either replica, runs nothing more", async () => {
    const { incident: raw, ref } = await ingestIncident();
    const incident = await withPlan(a, raw);
    slack.clear();

    const res = await press(a, APPROVER, "approve", incident, ref.ts);
    expect(res.status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts));
    const update = slack.of("chat.update").at(-1)!;
    expect(update.body.ts).toBe(ref.ts);
    expect(buttons(update).map((b) => b.action_id)).not.toContain("approve");
    expect(blocksText(update)).toContain("approved the remediation");
    const thread = slack.of("chat.postMessage").filter((c) => c.body.thread_ts === ref.ts);
    expect(thread).toHaveLength(1);
    expect(String(thread[0].body.text)).toMatch(
      /alice approved the remediation.*Dry run: would remove allUsers/,
    );
    const stored = (await a.server.store.get<Incident>("incidents", incident.id))!.data;
    expect(stored.plan?.approvals).toEqual([{ by: "slack:U0APPROVER", at: expect.any(String) }]);
    checkLimits(slack.calls);

    // Second press: same replica, then the other replica. Only an ephemeral "already approved".
    for (const t of [a, b]) {
      slack.clear();
      const before = await snapshot(t, incident.id);
      expect((await press(t, GROUP_MEMBER, "approve", incident, ref.ts)).status).toBe(200);
      await slack.waitFor((c) => c.some((x) => x.method === "chat.postEphemeral"));
      await settle();
      expect(slack.calls.map((c) => c.method).filter((m) => m !== "usergroups.users.list")).toEqual([
        "chat.postEphemeral",
      ]);
      expect(String(slack.of("chat.postEphemeral")[0].body.text)).toContain("Already approved by");
      const after = await snapshot(t, incident.id);
      expect(after.incident).toBe(before.incident);
      // The press itself is audited; nothing else is.
      expect(after.audit).toBe(before.audit + 1);
    }
    const final = (await b.server.store.get<Incident>("incidents", incident.id))!.data;
    expect(final.plan?.approvals).toHaveLength(1);
    expect(final.timeline.filter((e) => e.what === "approved the remediation")).toHaveLength(1);
  });

  it("two approvers pressing at once on two replicas record one approval", async () => {
    const { incident: raw, ref } = await ingestIncident();
    const incident = await withPlan(a, raw);
    slack.clear();
    const [r1, r2] = await Promise.all([
      press(a, APPROVER, "approve", incident, ref.ts),
      press(b, GROUP_MEMBER, "approve", incident, ref.ts),
    ]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    await slack.waitFor(
      (c) =>
        c.some((x) => x.method === "chat.postEphemeral") &&
        c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts),
    );
    await settle();
    const stored = (await a.server.store.get<Incident>("incidents", incident.id))!.data;
    expect(stored.plan?.approvals).toHaveLength(1);
    expect(slack.of("chat.postMessage").filter((c) => c.body.thread_ts === ref.ts)).toHaveLength(1);
    expect(slack.of("chat.postEphemeral")).toHaveLength(1);
  });

  it("refuses Approve from someone who is not an approver, ephemerally, and audits the refusal", async () => {
    const { incident: raw, ref } = await ingestIncident();
    const incident = await withPlan(a, raw);
    slack.clear();
    const before = await snapshot(a, incident.id);
    expect((await press(a, OUTSIDER, "approve", incident, ref.ts)).status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postEphemeral"));
    await settle();
    const eph = slack.of("chat.postEphemeral")[0].body;
    expect(eph).toMatchObject({ channel: CHANNEL, user: OUTSIDER.id });
    expect(String(eph.text)).toContain("Only configured approvers can approve");
    expect(slack.of("chat.update")).toHaveLength(0);
    const after = await snapshot(a, incident.id);
    expect(after.incident).toBe(before.incident);
    const audit = await listAudit(a.server.store, { incidentId: incident.id });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["press:approve", "refused:approve"]));
  });

  it("Propose this change (a recommendation card's button) answers ephemerally and opens nothing when remediation is off", async () => {
    slack.clear();
    const incidentsBefore = (await a.server.store.query<Incident>("incidents", { limit: 10_000 })).length;
    const res = await postSigned(
      a.url,
      SECRET,
      blockActionsBody({
        user: OUTSIDER,
        actionId: "propose_change",
        value: "ana@acme.com",
        channel: CHANNEL,
        messageTs: "1732356000.000100",
        responseUrl: slack.responseUrl(),
      }),
    );
    expect(res.status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postEphemeral"));
    expect(String(slack.of("chat.postEphemeral")[0].body.text)).toContain("Remediation is not enabled");
    expect((await a.server.store.query<Incident>("incidents", { limit: 10_000 })).length).toBe(
      incidentsBefore,
    );
    const pressed = (await listAudit(a.server.store, { limit: 50 })).find(
      (e) => e.action === "press:propose_change",
    );
    expect(pressed?.detail.principal).toBe("ana@acme.com");
    expect(pressed?.incidentId).toBeUndefined();
  });

  it("a remediated incident whose threat comes back reopens: the card updates and the thread says so, broadcast, once", async () => {
    const { incident, ref } = await ingestIncident();
    // As if remediated right after the grant.
    await mutate<Incident>(a.server.store, "incidents", incident.id, (cur) =>
      cur ? { ...cur, state: "remediated", stateChangedAt: "2026-11-20T14:03:20.000Z" } : undefined,
    );
    slack.clear();
    const again = gcpPublicBucketEntry({
      insertId: `slack-http-again-${seq}`,
      principal: incident.actor.id,
      timestamp: "2026-11-20T14:09:45.120Z",
    });
    expect((await postJson(`${a.url}/events/gcp`, pubSubPush(again, `m-again-${seq}`))).status).toBe(200);
    const said = (c: RecordedCall) =>
      c.method === "chat.postMessage" && String(c.body.reply_broadcast) === "true";
    await slack.waitFor((c) => c.some(said));
    const notice = slack.calls.filter(said);
    expect(notice).toHaveLength(1);
    expect(notice[0].body).toMatchObject({ channel: CHANNEL, thread_ts: ref.ts });
    expect(String(notice[0].body.text)).toMatch(
      /^Reopened: mallory\d+@example.com made bucket acme-prod-invoices \(acme-prod\) public: .*\. Seen again at 2026-11-20T14:09:45.120Z, after the remediation; risk \d+\/100\.$/,
    );
    expect(slack.of("chat.update").some((c) => blocksText(c).includes(incident.actor.id))).toBe(true);
    expect((await a.server.store.get<Incident>("incidents", incident.id))?.data.state).toBe("open");

    // Publishing again (a later finding, another replica) does not say it twice.
    const current = (await b.server.store.get<Incident>("incidents", incident.id))!.data;
    await channelOf(b).publishIncident(current);
    await settle();
    expect(slack.calls.filter(said)).toHaveLength(1);
  });

  it("Assign to me and Snooze update the card and add timeline lines to its thread", async () => {
    const { incident, ref } = await ingestIncident();
    slack.clear();
    await press(a, OUTSIDER, "assign", incident, ref.ts);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts));
    expect(blocksText(slack.of("chat.update").at(-1)!)).toContain("Assigned to");
    await press(a, OUTSIDER, "snooze_1h", incident, ref.ts);
    await slack.waitFor(
      (c) => c.filter((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts).length === 2,
    );
    const card = slack.of("chat.update").at(-1)!;
    expect(blocksText(card)).toContain("Snoozed until");
    const thread = slack
      .of("chat.postMessage")
      .filter((c) => c.body.thread_ts === ref.ts)
      .map((c) => String(c.body.text));
    expect(thread[0]).toMatch(/bob took it/);
    expect(thread[1]).toMatch(/snoozed it for 1 h/);
    const stored = (await a.server.store.get<Incident>("incidents", incident.id))!.data;
    expect(stored.state).toBe("snoozed");
    expect(stored.assignee).toBe("slack:U0OUTSIDER");
    checkLimits(slack.calls);
  });

  it("Dismiss opens a modal asking why; submitting it dismisses and feeds the suppression list", async () => {
    const { incident, ref } = await ingestIncident();
    slack.clear();
    await press(a, OUTSIDER, "dismiss", incident, ref.ts);
    await slack.waitFor((c) => c.some((x) => x.method === "views.open"));
    const modal = slack.of("views.open")[0].body.view as { private_metadata: string; callback_id: string };
    expect(modal.callback_id).toBe(DISMISS_CALLBACK);
    checkLimits(slack.calls);

    // Submitting without a reason is refused inline by the modal.
    const empty = await postSigned(
      a.url,
      SECRET,
      viewSubmissionBody({
        user: OUTSIDER,
        callbackId: DISMISS_CALLBACK,
        privateMetadata: modal.private_metadata,
        values: {
          [DISMISS_REASON.block]: { [DISMISS_REASON.action]: { type: "plain_text_input", value: " " } },
        },
      }),
    );
    expect(JSON.parse(empty.text)).toMatchObject({ response_action: "errors" });

    const res = await postSigned(
      a.url,
      SECRET,
      viewSubmissionBody({
        user: OUTSIDER,
        callbackId: DISMISS_CALLBACK,
        privateMetadata: modal.private_metadata,
        values: {
          [DISMISS_REASON.block]: {
            [DISMISS_REASON.action]: { type: "plain_text_input", value: "Public website assets bucket" },
          },
          [DISMISS_SUPPRESS.block]: {
            [DISMISS_SUPPRESS.action]: {
              type: "checkboxes",
              selected_options: [{ text: { type: "plain_text", text: "x" }, value: DISMISS_SUPPRESS.value }],
            },
          },
        },
      }),
    );
    expect(res.status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts));
    const card = slack.of("chat.update").at(-1)!;
    expect(blocksText(card)).toContain("Dismissed");
    expect(buttons(card).map((b) => b.action_id)).toEqual(["details"]);
    const sup = await a.server.store.query<Suppression>("suppressions", { limit: 1000 });
    expect(sup.map((s) => s.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: incident.actor.id, detector: "gcp-public-bucket" }),
      ]),
    );
  });

  it("shows Undo (with a confirm) once an incident is remediated; only approvers may press it, once", async () => {
    const { incident: raw, ref } = await ingestIncident();
    await withPlan(a, raw);
    slack.clear();
    const doc = await mutate<Incident>(a.server.store, "incidents", raw.id, (cur) =>
      cur ? { ...cur, state: "remediated", stateChangedAt: new Date().toISOString() } : undefined,
    );
    await channelOf(a).publishIncident(doc!.data);
    const update = slack.of("chat.update").at(-1)!;
    expect(update.body.ts).toBe(ref.ts);
    const undo = buttons(update).find((b) => b.action_id === "undo") as unknown as { confirm: unknown };
    expect(undo.confirm).toBeDefined();
    checkLimits(slack.calls);

    // Undo is for approvers only; an approver's press is threaded, a second one does nothing.
    slack.clear();
    await press(a, OUTSIDER, "undo", raw, ref.ts);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postEphemeral"));
    expect(String(slack.of("chat.postEphemeral")[0].body.text)).toContain(
      "Only configured approvers can undo",
    );
    await press(a, GROUP_MEMBER, "undo", raw, ref.ts);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts));
    const line = String(slack.of("chat.postMessage").find((c) => c.body.thread_ts === ref.ts)!.body.text);
    expect(line).toMatch(/gina asked to undo the remediation/);
    slack.clear();
    await press(b, APPROVER, "undo", raw, ref.ts);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postEphemeral"));
    expect(String(slack.of("chat.postEphemeral")[0].body.text)).toContain("already requested");
    expect(slack.of("chat.postMessage")).toHaveLength(0);
  });
});

describe("rate limits", () => {
  it("acks the press at once, waits out a 429's Retry-After, then updates the card", async () => {
    const { incident, ref } = await ingestIncident();
    slack.clear();
    slack.failNext("chat.update", { status: 429, retryAfterS: 2 });
    const started = Date.now();
    expect((await press(a, OUTSIDER, "assign", incident, ref.ts)).status).toBe(200);
    // Slack wants the HTTP answer within 3 s; the work (and its rate-limit wait) comes after.
    const ackMs = Date.now() - started;
    expect(ackMs).toBeLessThan(1500);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts === ref.ts));
    const updates = slack.calls.filter((c) => c.method === "chat.update");
    expect(updates.map((u) => u.body.__status)).toEqual([429, 200]);
    expect(updates[1].at - updates[0].at).toBeGreaterThanOrEqual(1950);
    expect(blocksText(updates[1])).toContain("Assigned to");
  });
});

describe("/immune commands", () => {
  async function command(text: string, user = OUTSIDER) {
    slack.clear();
    const res = await postSigned(a.url, SECRET, slashCommandBody(text, user, slack.responseUrl()));
    expect(res.status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "response_url"));
    const reply = slack.of("response_url")[0].body;
    checkLimits(slack.of("response_url"));
    return reply as { response_type: string; text: string; blocks: unknown[] };
  }

  it("status answers ephemerally with events by source, open incidents by band, and integrations", async () => {
    await ingestIncident();
    const reply = await command("status");
    expect(reply.response_type).toBe("ephemeral");
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain("Events (24 h)");
    expect(text).toContain("Slack: connected (HTTP, /slack/events)");
    expect(Number(/Google Cloud: (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/High: (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it("help lists the commands; an unknown command answers with help naming the problem", async () => {
    const help = JSON.stringify((await command("help")).blocks);
    for (const c of ["status", "incidents", "identity", "lifecycle", "recommend", "mute", "digest"]) {
      expect(help).toContain(c);
    }
    const bad = JSON.stringify((await command("frobnicate now")).blocks);
    expect(bad).toContain("Unknown command");
    expect(bad).toContain("frobnicate");
  });

  it("incidents open … share posts in the channel for everyone", async () => {
    const reply = await command("incidents open share");
    expect(reply.response_type).toBe("in_channel");
    expect(JSON.stringify(reply.blocks)).toContain("acme-prod-invoices");
  });

  it("mute stores a suppression with expiry and audits it; a bad duration changes nothing", async () => {
    const before = await snapshot(a);
    const bad = JSON.stringify((await command("mute gcp-public-bucket ci@acme.iam 3x because")).blocks);
    expect(bad).toContain("is not a duration");
    expect((await snapshot(a)).suppressions).toBe(before.suppressions);
    await command("mute gcp-public-bucket ci@acme.iam 7d planned migration");
    const sups = (await a.server.store.query<Suppression>("suppressions", { limit: 1000 })).map(
      (d) => d.data,
    );
    const s = sups.find((x) => x.principal === "ci@acme.iam")!;
    expect(s.reason).toBe("planned migration");
    expect(Date.parse(s.expiresAt!) - Date.parse(s.createdAt)).toBe(7 * 86_400_000);
    expect(s.createdBy).toBe("slack:U0OUTSIDER");
  });

  it("digest shows yesterday's digest", async () => {
    const reply = await command("digest");
    expect(JSON.stringify(reply.blocks)).toContain("Daily digest");
  });
});

describe("request signatures", () => {
  const mute = (who: string) =>
    slashCommandBody(`mute gcp-public-bucket ${who} 7d forged`, OUTSIDER, slack.responseUrl());

  it.each([
    ["signed with the wrong secret", { secret: "not-the-signing-secret" }],
    ["with a tampered signature", { signature: `v0=${"0".repeat(64)}` }],
    ["signed 6 minutes ago (stale)", { timestamp: Math.floor(Date.now() / 1000) - 360 }],
    ["signed 6 minutes in the future", { timestamp: Math.floor(Date.now() / 1000) + 360 }],
  ])("a slash command %s gets 401 and changes nothing", async (_name, opts) => {
    slack.clear();
    const before = await snapshot(a);
    const res = await postSigned(a.url, SECRET, mute(`forged-${_name.length}@acme.iam`), opts);
    expect(res.status).toBe(401);
    await settle();
    expect(await snapshot(a)).toEqual({ ...before, slackCalls: 0 });
  });

  it("a block_actions Approve with a bad or stale signature gets 401 and the incident stays as it was", async () => {
    const { incident: raw, ref } = await ingestIncident();
    const incident = await withPlan(a, raw);
    slack.clear();
    const before = await snapshot(a, incident.id);
    const body = blockActionsBody({
      user: APPROVER,
      actionId: "approve",
      value: incident.id,
      channel: CHANNEL,
      messageTs: ref.ts,
      responseUrl: slack.responseUrl(),
    });
    expect((await postSigned(a.url, SECRET, body, { secret: "wrong" })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await postSigned(a.url, SECRET, body, { timestamp: stale })).status).toBe(401);
    // A body changed after signing: the signature no longer covers it.
    const ts = Math.floor(Date.now() / 1000);
    const { slackSignature } = await import("../helpers/slackRequests");
    const sig = slackSignature(SECRET, ts, body);
    const tampered = body.replace("U0APPROVER", "U0OUTSIDER");
    expect((await postSigned(a.url, SECRET, tampered, { timestamp: ts, signature: sig })).status).toBe(401);
    await settle();
    expect(await snapshot(a, incident.id)).toEqual({ ...before, slackCalls: 0 });
  });
});
