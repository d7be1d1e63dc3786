import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatChannel } from "../../bot/chatChannel";
import { runCommand } from "../../bot/commands/runCommand";
import { defaultFeatures } from "../../bot/features";
import type { Responder } from "../../bot/incidentActions";
import type { View } from "../../bot/views/view";
import { DEFAULT_LEAST_PRIVILEGE } from "../../remediation/leastPrivilege/leastPrivilegeConfig";
import {
  leastPrivilegeFeature,
  postWeeklyReport,
} from "../../remediation/leastPrivilege/leastPrivilegeFeature";
import { loadUsage } from "../../remediation/leastPrivilege/usage";
import { pubSubPush } from "../helpers/fixtures";
import { postJson, startTestServer, type TestServer } from "../helpers/server";
import { anaHistory, grant } from "./auditEntries";

/**
 * The least-privilege feature in the real server: Cloud Audit Log entries posted to the GCP
 * webhook are processed, the usage store learns who used and holds what, and `/immune recommend`
 * shows the change (or why there is none); the weekly report reaches the chat channels once.
 */

const NOW = new Date("2026-11-23T10:00:00Z");
const responder: Responder = { platform: "slack", id: "U024BE7LH", display: "Dana", approver: true };
const lines = (v: View) => Object.fromEntries(v.sections.map((s) => [s.heading ?? "", s.lines]));

describe("least-privilege feature", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      { LOCAL_UNAUTHENTICATED: "true", LEAST_PRIVILEGE_MIN_HISTORY_DAYS: "5" },
      { features: [leastPrivilegeFeature({ now: () => NOW })], startWorker: false },
    );
    const entries = [...anaHistory(), grant("user:bob@acme.com", "2026-11-22T16:00:00Z")];
    for (const e of entries) {
      const res = await postJson(`${t.url}/events/gcp`, pubSubPush(e, `m-${e.insertId}`));
      expect(res.status).toBe(200);
    }
    while ((await t.server.processor.drainOnce()) > 0) {}
  });
  afterAll(async () => {
    await t.close();
  });

  it("is one of the server's default features and says what it does at start-up", () => {
    expect(defaultFeatures().map((f) => f.name)).toContain("leastPrivilege");
    expect(t.server.announcements.join("\n")).toMatch(
      /least privilege: recording permission use over 90 days/,
    );
  });

  it("records what each principal used and holds from the processed events", async () => {
    const ana = await loadUsage(t.server.store, { cloud: "gcp", id: "ana@acme.com" });
    expect(ana?.gcpBindings).toEqual({ "projects/acme-prod": ["roles/editor"] });
    expect(Object.keys(ana?.perms ?? {}).sort()).toEqual([
      "cloudsql.instances.connect",
      "cloudsql.instances.get",
      "pubsub.topics.publish",
    ]);
  });

  it("/immune recommend shows the smaller roles for a principal with history", async () => {
    const deps = { store: t.server.store, config: t.server.config, now: () => NOW };
    const { view } = await runCommand("recommend ana@acme.com", responder, deps);
    expect(view.title).toBe("Least privilege: ana@acme.com");
    expect(lines(view)["Could give up"]).toEqual(["roles/editor on project acme-prod"]);
    expect(lines(view)["Would keep working with"]).toEqual([
      "roles/cloudsql.client on project acme-prod",
      "roles/pubsub.publisher on project acme-prod",
    ]);
  });

  it("/immune recommend says why there is no change for a principal seen too briefly", async () => {
    const deps = { store: t.server.store, config: t.server.config, now: () => NOW };
    const { view } = await runCommand("recommend bob@acme.com", responder, deps);
    expect(lines(view)["Why no change"]?.[0]).toMatch(/observed for 2 days; at least 5 are needed/);
    expect(lines(view)["Could give up"]).toBeUndefined();
  });

  it("posts the weekly report once however many replicas try", async () => {
    const posted: string[] = [];
    const channel: ChatChannel = {
      name: "console",
      publishIncident: async () => {},
      notify: async (text) => {
        posted.push(text);
      },
    };
    const ctx = { store: t.server.store, channels: [channel], logger: t.server.logger };
    const settings = { ...DEFAULT_LEAST_PRIVILEGE, minHistoryDays: 5 };
    expect(await postWeeklyReport(ctx, settings, NOW)).toBe(true);
    expect(await postWeeklyReport(ctx, settings, NOW)).toBe(false);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain("Least privilege · week of 2026-11-23");
    expect(posted[0]).toMatch(/1\. user:ana@acme\.com: [\d,]+ unused of [\d,]+ granted/);
    expect(posted[0]).toContain("1 principal observed too briefly to judge");
  });
});
