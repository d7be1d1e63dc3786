import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFeatures } from "../../bot/features";
import type { TeamsChannel } from "../../bot/teams/teamsChannel";
import { BotConnectorStandIn } from "../helpers/botConnectorStandIn";
import { startTestServer, type TestServer } from "../helpers/server";
import { cardActions } from "./cardValidation";
import { publicBucketIncident } from "./incidentFixture";

/**
 * A Teams-only install (no Slack at all) with the server's default features: the incident
 * page behind the card's Details button answers, and the daily digest reaches Teams once.
 */

const CHANNEL = "19:5b2e0c7d9a1f4e6b@thread.tacv2";

describe("Teams without Slack", () => {
  let t: TestServer;
  const connector = new BotConnectorStandIn();

  beforeAll(async () => {
    await connector.start();
    t = await startTestServer(
      {
        LOCAL_UNAUTHENTICATED: "true",
        LINK_SIGNING_SECRET: "teams-only-link-key-5d0e",
        DIGEST_CRON: "* * * * * *",
        DIGEST_TIMEZONE: "Europe/Paris",
      },
      { features: defaultFeatures(), startWorker: false },
    );
    // The bot learns where to post from the first message it gets there.
    const res = await fetch(`${t.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        id: "f:first",
        type: "message",
        text: "immune help",
        channelId: "msteams",
        serviceUrl: connector.url,
        timestamp: new Date().toISOString(),
        from: { id: "29:1ada-mri", name: "Ada", aadObjectId: "6f1c2a7e-0b1d-4c55-9b0e-2d7a1c3e9f10" },
        recipient: { id: "28:bot", name: "IAM Immune" },
        conversation: { id: CHANNEL, conversationType: "channel", isGroup: true, tenantId: "tenant-1" },
        channelData: { tenant: { id: "tenant-1" }, team: { id: "19:team@thread.tacv2" } },
      }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await connector.stop();
  });

  it("says at start-up that the digest goes to Teams, and Slack is off", () => {
    const banner = t.server.announcements.join("\n");
    expect(banner).toMatch(/slack: off/);
    expect(banner).toMatch(/digest: daily at "\* \* \* \* \* \*" Europe\/Paris to teams/);
    expect(t.server.channels.map((c) => c.name)).toEqual(["teams"]);
  });

  it("the card's Details button opens the incident page", async () => {
    const incident = publicBucketIncident({ id: "inc-teams-only-1" });
    await t.server.store.set("incidents", incident.id, incident);
    connector.calls.splice(0);
    const teams = t.server.channels.find((c) => c.name === "teams") as TeamsChannel;
    await teams.publishIncident(incident);
    const sent = connector.calls.find((c) => c.op === "send" || c.op === "reply");
    const card = JSON.stringify(BotConnectorStandIn.card(sent!));
    expect(cardActions(JSON.parse(card)).map((a) => a.title)).toContain("Details");
    const url = /"type":"Action\.OpenUrl","title":"Details","url":"([^"]+)"/.exec(card)?.[1];
    expect(url).toMatch(new RegExp(`^${t.url}/incidents/inc-teams-only-1\\?exp=\\d+&sig=`));
    const details = { url: url! };
    const page = await fetch(details!.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("acme-prod-invoices");
    // A link not signed with the key is a 404, as for an unknown incident.
    expect((await fetch(details!.url.replace(/sig=[^&]+/, "sig=forged"))).status).toBe(404);
  });

  it("posts the daily digest to Teams once per day", { timeout: 30_000 }, async () => {
    const digests = () =>
      connector.calls.filter(
        (c) => (c.op === "send" || c.op === "reply") && JSON.stringify(c.body).includes("Daily digest"),
      );
    const until = Date.now() + 20_000;
    while (digests().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    expect(digests()).toHaveLength(1);
    expect(digests()[0].conversationId).toBe(CHANNEL);
  });
});
