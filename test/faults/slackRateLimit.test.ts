import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackFeature } from "../../bot/slack/slackFeature";
import type { Incident } from "../../detection/model";
import { waitUntil } from "../helpers/childServer";
import {
  LINK_SIGNING_SECRET,
  SLACK_BOT_TOKEN,
  SLACK_CHANNEL,
  SLACK_SIGNING_SECRET,
} from "../helpers/faultFixtures";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import { postJson, startTestServer, type TestServer } from "../helpers/server";
import { SlackStandIn } from "../helpers/slackStandIn";

/**
 * Slack answers the card's chat.postMessage with 429 (Retry-After: 1), then 500 twice, then ok.
 * The server runs with the Slack feature exactly as in production (the WebClient's default
 * retry policy and SlackChannel's own 5xx retry, nothing tuned for the test). What a responder
 * sees: one card, posted after the Retry-After, on one incident that remembers the message, so
 * a later event on the incident edits that card (chat.update) instead of posting another.
 *
 * How the two retry layers meet: @slack/web-api waits out Retry-After on a 429 and then retries
 * under its retryConfig, and retries 5xx answers under the same retryConfig (p-retry retries
 * every error that is not an AbortError); SlackChannel only retries a 5xx that survived all of
 * the client's retries. No layer retries an answered 200, and a failed post frees the post
 * claim, so the only way to get two cards would be two successful posts: the test counts them.
 */

let slack: SlackStandIn;
let t: TestServer;

beforeAll(async () => {
  slack = await new SlackStandIn().start();
  t = await startTestServer(
    {
      SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: SLACK_CHANNEL,
      LINK_SIGNING_SECRET,
    },
    { features: [slackFeature()] },
  );
});
afterAll(async () => {
  await t?.close();
  await slack?.stop();
});

async function incidents(): Promise<Incident[]> {
  return (await t.server.store.query<Incident>("incidents", { limit: 100 })).map((d) => d.data);
}

describe("Slack answering 429 with Retry-After, then 500s", () => {
  it("posts the card once, after the Retry-After, and later changes update that card", async () => {
    slack.failNext("chat.postMessage", { status: 429, retryAfterS: 1 });
    slack.failNext("chat.postMessage", { status: 500 }, 2);

    const sent = Date.now();
    const first = await postJson(
      `${t.url}/events/gcp`,
      pubSubPush(gcpPublicBucketEntry({ insertId: "ratelimit-1" }), "7100000001"),
    );
    expect(first.status).toBe(200);
    // The webhook acknowledged at once: Slack's trouble does not hold up intake.
    expect(Date.now() - sent).toBeLessThan(1000);

    await waitUntil(
      "the card's ts on the incident",
      async () => (await incidents()).find((i) => i.chat.slack),
      20_000,
    );
    const posts = slack.calls.filter((c) => c.method === "chat.postMessage");
    expect(posts.map((p) => p.body.__status)).toEqual([429, 500, 500, 200]);
    // Posted after the Retry-After second, not before.
    expect(posts[3].at - posts[0].at).toBeGreaterThanOrEqual(1000);

    const [incident] = await incidents();
    expect(await incidents()).toHaveLength(1);
    expect(incident.chat.slack).toEqual({ channel: SLACK_CHANNEL, ts: posts[3].body.__ts });
    expect(JSON.stringify(posts[3].body.blocks)).toContain(incident.id);

    // A second event on the same incident (same principal and bucket, minutes later): the card
    // is edited in place.
    const second = gcpPublicBucketEntry({ insertId: "ratelimit-2", timestamp: "2026-11-20T14:09:40.112Z" });
    second.protoPayload.serviceData.policyDelta.bindingDeltas[0].member = "allAuthenticatedUsers";
    expect((await postJson(`${t.url}/events/gcp`, pubSubPush(second, "7100000002"))).status).toBe(200);
    await waitUntil(
      "the incident to hold both events",
      async () => ((await incidents())[0]?.eventIds.length ?? 0) === 2,
      10_000,
    );
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update"), 10_000);

    const after = await incidents();
    expect(after).toHaveLength(1);
    expect(after[0].chat.slack).toEqual(incident.chat.slack);
    const updates = slack.of("chat.update");
    expect(updates.every((u) => u.body.ts === incident.chat.slack?.ts)).toBe(true);
    // Still exactly one card posted, ever.
    expect(slack.of("chat.postMessage")).toHaveLength(1);
  }, 30_000);

  it("Slack down beyond the client's retries: the inbox retries and the card is posted once Slack is back", async () => {
    // A second server whose Slack client gives up at once, so the outage outlasts its retries.
    const quick = await startTestServer(
      {
        SLACK_BOT_TOKEN,
        SLACK_SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        SLACK_INCIDENT_CHANNEL: SLACK_CHANNEL,
        LINK_SIGNING_SECRET,
      },
      { features: [slackFeature({ retryConfig: { retries: 0 }, serverRetry: { attempts: 0, baseMs: 1 } })] },
    );
    try {
      slack.clear();
      slack.failNext("chat.postMessage", { status: 500 }, 2);
      const entry = gcpPublicBucketEntry({ insertId: "outage-1", principal: "eve@example.com" });
      expect((await postJson(`${quick.url}/events/gcp`, pubSubPush(entry, "7100000009"))).status).toBe(200);
      const inc = await waitUntil(
        "the card's ts on the incident",
        async () =>
          (await quick.server.store.query<Incident>("incidents", { limit: 10 }))
            .map((d) => d.data)
            .find((i) => i.chat.slack),
        20_000,
      );
      const posts = slack.calls.filter((c) => c.method === "chat.postMessage");
      expect(posts.map((p) => p.body.__status)).toEqual([500, 500, 200]);
      expect(inc.chat.slack?.ts).toBe(posts[2].body.__ts);
      // The record was retried by the inbox (with backoff), then completed: no dead letter.
      await waitUntil(
        "the record to complete",
        async () => (await quick.server.store.inboxCounts()).done === 1,
        10_000,
      );
      expect(await quick.server.store.inboxCounts()).toEqual({ pending: 0, done: 1, dead: 0 });
      expect(posts[2].at - posts[0].at).toBeGreaterThanOrEqual(1000);
    } finally {
      await quick.close();
    }
  }, 40_000);
});
