import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackFeature } from "../../bot/slack/slackFeature";
import { capturedLogs, startTestServer, type TestServer } from "../helpers/server";
import { postSigned, slashCommandBody } from "../helpers/slackRequests";
import { SlackStandIn } from "../helpers/slackStandIn";

/** The Slack app manifest at the repo root must describe the server that really runs. */
const ROOT = join(import.meta.dirname, "..", "..");
const SECRET = "manifest-test-signing-secret";

interface Manifest {
  display_information: { name: string };
  features: {
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8")) as Manifest;

let slack: SlackStandIn;
let t: TestServer;
beforeAll(async () => {
  slack = await new SlackStandIn().start();
  t = await startTestServer(
    {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-1111-2222-manifesttesttoken",
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
    },
    { features: [slackFeature({ retryConfig: { retries: 0 } })] },
  );
});
afterAll(async () => {
  await t?.close();
  await slack?.stop();
});

const path = (url: string) => new URL(url).pathname;

describe("manifest.json", () => {
  it("is the manifest of an HTTP-mode app with one /immune command and interactivity on", () => {
    expect(manifest.display_information.name).toBe("IAM Immune");
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(["/immune"]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    for (const url of [
      manifest.features.slash_commands[0].url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ]) {
      expect(new URL(url).protocol).toBe("https:");
    }
  });

  it("asks for exactly the bot scopes the code's Web API calls need, and no user scopes", () => {
    // Which scope each Web API method the bot calls needs (docs.slack.dev/reference/methods).
    const scopeOf: Record<string, string | null> = {
      "chat.postMessage": "chat:write",
      "chat.update": "chat:write",
      "chat.postEphemeral": "chat:write",
      // Recovering a card post interrupted by a crash (the card's message metadata is looked up).
      "conversations.history": "channels:history",
      "views.open": null,
      "usergroups.users.list": "usergroups:read",
      "auth.test": null,
    };
    const dir = join(ROOT, "bot", "slack");
    const called = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      const src = readFileSync(join(dir, f), "utf8");
      for (const m of src.matchAll(/client\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g)) called.add(m[1]);
    }
    expect(called.size).toBeGreaterThan(3);
    for (const m of called) expect(Object.keys(scopeOf)).toContain(m);
    const needed = new Set([...called].map((m) => scopeOf[m]).filter((s): s is string => Boolean(s)));
    needed.add("commands"); // the /immune slash command
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(needed);
    expect(manifest.oauth_config.scopes.user ?? []).toEqual([]);
  });

  it("its event URL is served: a signed url_verification gets the challenge back", async () => {
    expect(path(manifest.settings.event_subscriptions.request_url)).toBe("/slack/events");
    const body = JSON.stringify({
      token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const res = await postSigned(t.url, SECRET, body, { contentType: "application/json" });
    expect(res.status).toBe(200);
    expect(res.text).toContain("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  });

  it("every bot event it subscribes to has a handler, and a signed tokens_revoked is logged", async () => {
    const src = readFileSync(join(ROOT, "bot", "slack", "slackInteractions.ts"), "utf8");
    const handled = [...src.matchAll(/app\.event\("([a-z_]+)"/g)].map((m) => m[1]).sort();
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(handled);

    const logStart = capturedLogs.length;
    const body = JSON.stringify({
      token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
      team_id: "T0001",
      api_app_id: "A0IMMUNE01",
      event: { type: "tokens_revoked", tokens: { oauth: [], bot: ["UBOT"] } },
      type: "event_callback",
      event_id: "Ev0PV52K21",
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: "T0001", user_id: "UBOT", is_bot: true, is_enterprise_install: false }],
    });
    const res = await postSigned(t.url, SECRET, body, { contentType: "application/json" });
    expect(res.status).toBe(200);
    const end = Date.now() + 3000;
    while (!capturedLogs.slice(logStart).join("").includes("tokens were revoked") && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(capturedLogs.slice(logStart).join("")).toContain("Slack tokens were revoked");
  });

  it("its slash command URL and command name are served: /immune help answers", async () => {
    const cmd = manifest.features.slash_commands[0];
    expect(path(cmd.url)).toBe("/slack/events");
    const body = slashCommandBody("help", { id: "U0ANY", username: "any" }, slack.responseUrl()).replace(
      "command=%2Fimmune",
      `command=${encodeURIComponent(cmd.command)}`,
    );
    const res = await fetch(`${t.url}${path(cmd.url)}`, { method: "HEAD" });
    expect(res.status).not.toBe(200); // only POST is served there
    expect((await postSigned(t.url, SECRET, body)).status).toBe(200);
    await slack.waitFor((c) => c.some((x) => x.method === "response_url"));
    expect(JSON.stringify(slack.of("response_url")[0].body)).toContain("IAM Immune commands");
  });

  it("its interactivity URL is served (and refuses unsigned requests)", async () => {
    expect(path(manifest.settings.interactivity.request_url)).toBe("/slack/events");
    const unsigned = await fetch(`${t.url}${path(manifest.settings.interactivity.request_url)}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "payload=%7B%7D",
    });
    expect(unsigned.status).toBe(401);
  });
});
