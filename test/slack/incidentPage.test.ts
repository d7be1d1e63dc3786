import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackFeature } from "../../bot/slack/slackFeature";
import { incidentPageFeature } from "../../bot/web/incidentPageFeature";
import { signIncidentLink } from "../../bot/web/signedLink";
import type { Incident } from "../../detection/model";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import { postJson, startTestServer, type TestServer } from "../helpers/server";
import { SlackStandIn } from "../helpers/slackStandIn";

/**
 * The page behind the card's Details button, opened the way a responder would: in a real
 * browser (Debian's headless Chromium) at a phone's viewport, from the signed link on the card.
 */
const OUT = join(import.meta.dirname, "..", "..", "test-output");
const LINK_KEY = "incident-page-link-key-7e1d";
const PHONE = { width: 390, height: 844 };

let slack: SlackStandIn;
let t: TestServer;
let browser: Browser;
let page: Page;
let incident: Incident;
let detailsUrl: string;

beforeAll(async () => {
  slack = await new SlackStandIn().start();
  t = await startTestServer(
    {
      SLACK_SIGNING_SECRET: "incident-page-signing-secret",
      SLACK_BOT_TOKEN: "xoxb-3333-4444-incidentpagetoken",
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
      LINK_SIGNING_SECRET: LINK_KEY,
      LINK_TTL_HOURS: "24",
    },
    { features: [slackFeature({ retryConfig: { retries: 0 } }), incidentPageFeature()] },
  );
  const entry = gcpPublicBucketEntry({ insertId: "page-1", principal: "eve@example.com" });
  expect((await postJson(`${t.url}/events/gcp`, pubSubPush(entry))).status).toBe(200);
  await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage"), 10_000);
  const card = slack.of("chat.postMessage")[0];
  const blocks = card.body.blocks as { type: string; elements?: { action_id: string; url?: string }[] }[];
  detailsUrl = blocks
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === "details")!.url!;
  const docs = await t.server.store.query<Incident>("incidents", { limit: 10 });
  incident = docs[0].data;

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const context = await browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Slack/25.11",
  });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await slack?.stop();
});

describe("incident page (Details)", () => {
  it("opens from the card's signed link on a phone and shows the incident, timeline, evidence and raw event", async () => {
    expect(detailsUrl).toMatch(new RegExp(`^${t.url}/incidents/${incident.id}\\?exp=\\d+&sig=[0-9a-f]{64}$`));
    const res = await page.goto(detailsUrl);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["cache-control"]).toBe("no-store");

    await expect
      .poll(() => page.locator("h1").innerText())
      .toContain("eve@example.com made bucket acme-prod-invoices");
    expect(await page.locator(".badge").innerText()).toBe("High risk · 70/100");
    const body = await page.locator("body").innerText();
    for (const text of [
      "Why it is risky",
      "+70 severity",
      "Timeline",
      "detected: eve@example.com made bucket",
      "Evidence",
      "gcp-public-bucket",
      "allUsers",
      "Raw events",
    ]) {
      expect(body).toContain(text);
    }
    // The raw Cloud Audit Log entry is one tap away.
    await page.locator("section details summary", { hasText: "gcp:page-1" }).click();
    expect(await page.locator("section details pre").last().innerText()).toContain(
      '"methodName": "storage.setIamPermissions"',
    );

    // Phone-first: nothing wider than the screen, text readable without zooming.
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      fontSize: Number.parseFloat(getComputedStyle(document.body).fontSize),
    }));
    expect(layout.clientWidth).toBe(PHONE.width);
    expect(layout.scrollWidth).toBeLessThanOrEqual(PHONE.width);
    expect(layout.fontSize).toBeGreaterThanOrEqual(16);

    mkdirSync(OUT, { recursive: true });
    const png = join(OUT, "incident-page-phone.png");
    await page.screenshot({ path: png, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(10_000);
  });

  it("shows no incident data for a guessed, unsigned, tampered or foreign-key link (404)", async () => {
    const good = new URL(detailsUrl);
    const exp = good.searchParams.get("exp")!;
    const sig = good.searchParams.get("sig")!;
    const otherKey = new URL(
      signIncidentLink(t.url, incident.id, "someone-elses-key", new Date(Date.now() + 3600_000)),
    );
    const urls = [
      `${t.url}/incidents/${incident.id}`,
      `${t.url}/incidents/${incident.id}?exp=${exp}`,
      `${t.url}/incidents/${incident.id}?exp=${exp}&sig=${"0".repeat(64)}`,
      `${t.url}/incidents/${incident.id}?exp=${Number(exp) + 3600}&sig=${sig}`,
      `${t.url}/incidents/inc-00000000000000000000?exp=${exp}&sig=${sig}`,
      `${t.url}${otherKey.pathname}${otherKey.search}`,
    ];
    for (const url of urls) {
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(404);
      const text = await page.locator("body").innerText();
      expect(text).not.toContain("eve@example.com");
      expect(text).not.toContain("acme-prod-invoices");
    }
  });

  it("an expired link says so (403) and shows no incident data", async () => {
    const expired = signIncidentLink(t.url, incident.id, LINK_KEY, new Date(Date.now() - 60_000));
    const res = await page.goto(expired);
    expect(res?.status()).toBe(403);
    const text = await page.locator("body").innerText();
    expect(text).toContain("expired");
    expect(text).not.toContain("eve@example.com");
    expect(text).not.toContain("acme-prod-invoices");
  });
});
