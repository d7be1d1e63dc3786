import { afterAll, describe, expect, it } from "vitest";
import { digestFeature } from "../../bot/digest/digestFeature";
import type { ServerFeature } from "../../bot/serverFeature";
import { slackFeature } from "../../bot/slack/slackFeature";
import type { Incident } from "../../detection/model";
import { remediationFeature } from "../../remediation/remediationFeature";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import { capturedLogs, postJson, startTestServer, type TestServer } from "../helpers/server";
import { blockActionsBody, postSigned } from "../helpers/slackRequests";
import { SlackStandIn } from "../helpers/slackStandIn";

/** How the Slack feature wires into the server: off with a reason, or on with the digest. */
const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const x of open.reverse()) await x.close();
});

const BOT_TOKEN = "xoxb-5555-6666-featuretesttoken";
const SIGNING = "feature-test-signing-secret-91ab";

/** A Slack stand-in and a server posting to it over HTTP, both closed after the file. */
async function withSlack(env: Record<string, string>, features: ServerFeature[]) {
  const slack = await new SlackStandIn().start();
  open.push({ close: () => slack.stop() });
  const t = await startTestServer(
    {
      SLACK_SIGNING_SECRET: SIGNING,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
      ...env,
    },
    { features },
  );
  open.push(t);
  return { slack, t };
}

describe("slack feature", () => {
  it("without credentials installs nothing, says why, and cards go to the console", async () => {
    const printed: string[] = [];
    const t = await startTestServer({}, { features: [slackFeature()], consoleWrite: (s) => printed.push(s) });
    open.push(t);
    expect(t.server.announcements).toContain("slack: off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set)");
    expect(t.server.channels.map((c) => c.name)).toEqual(["console"]);
    const res = await fetch(`${t.url}/slack/events`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
    const page = await fetch(`${t.url}/incidents/inc-1?exp=1&sig=${"a".repeat(64)}`);
    expect(page.status).toBe(404);
  });

  it("configured on two replicas, the scheduled digest goes out once, and stops with the server", async () => {
    const slack = await new SlackStandIn().start();
    open.push({ close: () => slack.stop() });
    const env = {
      SLACK_SIGNING_SECRET: SIGNING,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
      // Every second (node-cron's optional seconds field), so the test need not wait a day.
      DIGEST_CRON: "* * * * * *",
      DIGEST_TIMEZONE: "Europe/Paris",
      LINK_SIGNING_SECRET: "feature-link-key",
    };
    const a: TestServer = await startTestServer(env, {
      features: [slackFeature({ retryConfig: { retries: 0 } }), digestFeature()],
    });
    const b: TestServer = await startTestServer(env, {
      features: [slackFeature({ retryConfig: { retries: 0 } }), digestFeature()],
      dataDir: a.dataDir,
    });
    expect(a.server.channels.map((c) => c.name)).toEqual(["slack"]);
    expect(a.server.announcements.join("\n")).toMatch(
      /slack: cards to C0INCIDENTS via \/slack\/events; no approvers \(nobody can approve\)\n(.*\n)*digest: daily at "\* \* \* \* \* \*" Europe\/Paris to slack/,
    );
    const digests = () =>
      slack
        .of("chat.postMessage")
        .filter((c) => JSON.stringify(c.body.blocks ?? []).includes("Daily digest"));
    await slack.waitFor(() => digests().length > 0, 5000);
    // Both replicas fire every second; the lease in the shared store lets one post, once a day.
    await new Promise((r) => setTimeout(r, 2500));
    expect(digests()).toHaveLength(1);
    expect(digests()[0].body.channel).toBe("C0INCIDENTS");
    const leases = await a.server.store.query<{ by: string }>("leases", { limit: 10 });
    expect(leases.map((l) => l.id)).toHaveLength(1);
    expect(leases[0].id).toMatch(/^digest:\d{4}-\d{2}-\d{2}$/);

    await b.close();
    await a.close();
    // After stop, the cron no longer fires (a fresh day would otherwise post again).
    const calls = slack.calls.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(slack.calls.length).toBe(calls);
  });

  it("in Socket Mode mounts no HTTP endpoint, and a failed connection does not stop the server", async () => {
    const slack = await new SlackStandIn().start();
    open.push({ close: () => slack.stop() });
    const logStart = capturedLogs.length;
    const t = await startTestServer(
      {
        SLACK_SOCKET_MODE: "true",
        SLACK_APP_TOKEN: "xapp-1-A0IMMUNE01-1234-sockettesttoken",
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: slack.apiUrl,
        SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
        LINK_SIGNING_SECRET: "socket-link-key",
      },
      { features: [slackFeature({ retryConfig: { retries: 0 } })] },
    );
    open.push(t);
    expect(t.server.announcements.join("\n")).toContain("via Socket Mode");
    expect((await fetch(`${t.url}/slack/events`, { method: "POST", body: "x" })).status).toBe(404);
    // The stand-in does not speak Socket Mode: apps.connections.open fails, the server stays up.
    await slack.waitFor((c) => c.some((x) => x.method === "apps.connections.open"));
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    // Bolt keeps retrying the connection in the background; nothing logged carries the app token.
    expect(capturedLogs.slice(logStart).join("")).not.toContain("sockettesttoken");
  });

  it("fails closed when Slack cannot list the approver group, logging no secret", async () => {
    const { slack, t } = await withSlack({ SLACK_APPROVERS: "S0SECOPS" }, [
      slackFeature({ retryConfig: { retries: 0 } }),
    ]);
    slack.groups = { S0SECOPS: ["U0MEMBER"] };
    slack.failNext("usergroups.users.list", { status: 503 }, 5);
    const logStart = capturedLogs.length;
    const res = await postSigned(
      t.url,
      SIGNING,
      blockActionsBody({
        user: { id: "U0MEMBER", username: "gina" },
        actionId: "approve",
        value: "inc-unknown",
        channel: "C0INCIDENTS",
        messageTs: "1700000000.000001",
        responseUrl: slack.responseUrl(),
      }),
    );
    expect(res.status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "chat.postEphemeral"));
    expect(String(slack.of("chat.postEphemeral")[0].body.text)).toContain("Only configured approvers");
    const logs = capturedLogs.slice(logStart).join("\n");
    expect(logs).toContain("could not list approver group members");
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(SIGNING);
  });

  it("with remediation on, a new incident's one card already shows the plan: posted once, never edited", async () => {
    const { slack, t } = await withSlack({}, [
      slackFeature({ retryConfig: { retries: 0 } }),
      remediationFeature(),
    ]);
    const entry = gcpPublicBucketEntry({ insertId: "first-card-plan-1", principal: "mallory@example.com" });
    expect((await postJson(`${t.url}/events/gcp`, pubSubPush(entry, "m-first-card"))).status).toBe(200);
    const stored = async () =>
      (await t.server.store.query<Incident>("incidents", { limit: 10 })).map((d) => d.data)[0];
    const end = Date.now() + 10_000;
    while (!(await stored())?.chat.slack && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    // Whatever else the server does for this incident happens within this pause.
    await new Promise((r) => setTimeout(r, 500));
    const incident = await stored();
    expect(incident?.plan?.actions.map((a) => a.kind)).toContain("gcp.removePublicMembers");
    const cards = slack.of("chat.postMessage").filter((c) => !c.body.thread_ts);
    expect(cards).toHaveLength(1);
    const ids = (cards[0].body.blocks as { type: string; elements?: { action_id: string }[] }[])
      .filter((b) => b.type === "actions")
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.action_id);
    expect(ids).toContain("approve");
    expect(slack.of("chat.update")).toEqual([]);
    expect(incident?.chat.slack?.ts).toBeDefined();
  });
});
