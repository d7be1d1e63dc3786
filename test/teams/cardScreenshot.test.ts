import { mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { teamsIncidentCard } from "../../bot/teams/teamsIncidentCard";
import { publicBucketIncident } from "./incidentFixture";

const require = createRequire(import.meta.url);
const AC_BUNDLE = join(
  dirname(require.resolve("adaptivecards/package.json")),
  "dist",
  "adaptivecards.min.js",
);
const AC_CSS = join(dirname(require.resolve("adaptivecards/package.json")), "dist", "adaptivecards.css");
const OUT = join(process.cwd(), "test-output");

/**
 * Renders the incident card with the `adaptivecards` library in headless Chromium (Debian's
 * chromium, driven by playwright-core) and saves a PNG a person can look at. The library needs
 * a DOM to render (parsing and validation do not: see adaptiveCard.test.ts).
 */
describe("incident card rendered by adaptivecards in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
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
  }, 30_000);
  afterAll(async () => browser?.close());

  it("renders every part of the approver's card and saves it under test-output/", async () => {
    const incident = publicBucketIncident({
      timeline: [
        { at: "2026-11-20T14:03:20.000Z", by: "system", what: "opened the incident" },
        { at: "2026-11-20T14:05:00.000Z", by: "slack:U0BOB", what: "took it", detail: { display: "Bob" } },
      ],
      assignee: "slack:U0BOB",
    });
    const card = teamsIncidentCard(incident, {
      approver: true,
      detailsUrl: "https://immune.example.com/incidents/inc-7f3a9c?exp=1&sig=abc",
      now: new Date("2026-11-20T14:20:00Z"),
    });
    // Phone-width column, like Teams on a phone (and the narrowest desktop chat pane).
    const page = await browser.newPage({ viewport: { width: 420, height: 900 }, deviceScaleFactor: 2 });
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#f5f5f5;font-family:"Segoe UI",sans-serif}#card{margin:12px;background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2)}</style></head><body><div id="card"></div></body></html>`,
    );
    await page.addStyleTag({ path: AC_CSS });
    await page.addScriptTag({ path: AC_BUNDLE });
    const result = await page.evaluate((json) => {
      // biome-ignore lint/suspicious/noExplicitAny: the browser bundle's global
      const AC = (window as any).AdaptiveCards;
      const ac = new AC.AdaptiveCard();
      ac.hostConfig = new AC.HostConfig({
        fontFamily: "Segoe UI, sans-serif", // Teams on a phone stacks the buttons.
        actions: { maxActions: 5, actionsOrientation: "vertical", actionAlignment: "stretch" },
      });
      ac.parse(json, new AC.SerializationContext());
      const el = ac.render() as HTMLElement;
      document.getElementById("card")?.appendChild(el);
      return {
        text: el.innerText,
        buttons: Array.from(el.querySelectorAll("button")).map(
          (b) => b.getAttribute("aria-label") ?? b.innerText,
        ),
        height: el.getBoundingClientRect().height,
      };
    }, card);
    expect(result.text).toContain(incident.title);
    expect(result.text).toContain("Critical risk · 91/100");
    expect(result.text).toContain("mallory@example.com (user)");
    expect(result.text).toContain("+40 public: allUsers can read every object");
    expect(result.text).toContain("Remove allUsers and allAuthenticatedUsers from gs://acme-prod-invoices");
    expect(result.buttons).toEqual([
      "Approve remediation",
      "Dismiss as false positive",
      "Snooze",
      "Assign to me",
      "Details",
    ]);
    expect(result.height).toBeGreaterThan(300);

    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, "teams-incident-card.png");
    await page.locator("#card").screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    await page.close();
  }, 30_000);
});
