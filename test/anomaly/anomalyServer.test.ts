import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, generateOrg, orgEvents, toLogEntry } from "../../bench/syntheticOrg";
import { train } from "../../bin/train";
import { loadConfig } from "../../bot/config";
import { anomalyFeature } from "../../detection/anomaly/anomalyFeature";
import { loadAnomalyState } from "../../detection/anomaly/anomalyStore";
import type { IamEvent, Incident } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { pubSubPush } from "../helpers/fixtures";
import type { TestServer } from "../helpers/server";
import { postJson, startTestServer } from "../helpers/server";

/**
 * End to end: 40 days of a small organisation's normal Cloud Audit Logs are trained with
 * `immune train`, the server starts on that data folder, and a service account that runs on
 * a fixed schedule from Google's network suddenly calls IAM at 03:12 UTC from a Tor exit
 * network with a script's user agent. The card must carry the anomaly factor with its reasons;
 * a second server on the same data folder must score exactly as the first.
 */
const org = generateOrg({ identities: 60, days: 40, seed: 21 });
const sa = org.people.find((p) => p.kind === "serviceAccount" && !p.runHours?.includes(3));
if (!sa) throw new Error("generator has no service account idle at 03:00");
const attackDay = org.start + 41 * DAY;

function attackEntry(id: string, minute: number, methodName: string, principal = sa?.id) {
  const time = new Date(attackDay + 3 * 3_600_000 + minute * 60_000 + 12_000).toISOString();
  return {
    protoPayload: {
      "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
      status: {},
      authenticationInfo: { principalEmail: principal },
      requestMetadata: {
        callerIp: "185.220.101.47",
        callerSuppliedUserAgent: "python-requests/2.32.3",
        requestAttributes: { time, auth: {} },
        destinationAttributes: {},
      },
      serviceName: "iam.googleapis.com",
      methodName,
      authorizationInfo: [
        {
          resource: "projects/-/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com",
          permission: "iam.serviceAccounts.list",
          granted: true,
          resourceAttributes: {},
        },
      ],
      resourceName: "projects/acme-prod/serviceAccounts/ci-deployer@acme-prod.iam.gserviceaccount.com",
      request: { "@type": "type.googleapis.com/google.iam.admin.v1.ListServiceAccountsRequest" },
    },
    insertId: id,
    resource: {
      type: "service_account",
      labels: { project_id: "acme-prod", unique_id: "104213450987612345678" },
    },
    timestamp: time,
    severity: "INFO",
    logName: "projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
    receiveTimestamp: time,
  };
}

let dataDir: string;
let t: TestServer | undefined;
const cards: string[] = [];

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "immune-anomaly-e2e-"));
  const file = join(dataDir, "history.jsonl");
  writeFileSync(
    file,
    `${orgEvents(org, 0, 40)
      .map((e) => JSON.stringify(toLogEntry(e)))
      .join("\n")}\n`,
  );
  const config = loadConfig({ DATA_DIR: dataDir, ANOMALY_TREES: "100" });
  const store = new SqliteStore(join(dataDir, "immune.db"));
  const out: string[] = [];
  try {
    expect(await train(store, config, [file], (l) => out.push(l))).toBe(0);
  } finally {
    await store.close();
  }
  expect(out.join("\n")).toMatch(/model v1: 100 trees/);
}, 60_000);

afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("anomaly feature in the server", () => {
  const probes: IamEvent[] = [
    normalizeRecord(attackEntry("probe-1", 30, "google.iam.admin.v1.ListServiceAccountKeys")),
    normalizeRecord(attackEntry("probe-2", 31, "google.iam.admin.v1.GetServiceAccount")),
  ];
  let firstScores: unknown[] = [];
  let firstVersion: number | undefined;

  it("opens an incident whose card shows the anomaly factor and its reasons", async () => {
    const feature = anomalyFeature();
    t = await startTestServer({}, { dataDir, features: [feature], consoleWrite: (text) => cards.push(text) });
    expect(t.server.announcements.join("\n")).toMatch(/anomaly: model v1/);
    const res = await postJson(
      `${t.url}/events/gcp`,
      pubSubPush(attackEntry("sa-attack-1", 0, "google.iam.admin.v1.ListServiceAccounts")),
    );
    expect(res.status).toBe(200);
    const store = t.server.store;
    const incident = await waitFor(async () => {
      const docs = await store.query<Incident>("incidents");
      return docs.find((d) => d.data.actor.id === sa?.id)?.data;
    });
    const factor = incident.factors.find((f) => f.name === "anomaly");
    expect(factor?.points).toBeGreaterThan(0);
    expect(factor?.why).toMatch(/behaves unlike itself \(anomaly 0\.\d\d\)/);
    expect(factor?.why).toMatch(
      /first call to iam\.googleapis\.com ever by this actor|first ListServiceAccounts ever/,
    );
    expect(factor?.why).toMatch(
      /new user agent "python-requests|new source IP 185\.220\.101\.47|new IP prefix/,
    );
    expect(incident.findings.some((f) => f.category === "anomaly")).toBe(true);
    const card = await waitFor(async () => cards.find((c) => c.includes(sa?.id ?? "?")));
    expect(card).toMatch(/anomaly: behaves unlike itself/);
    expect(card).toMatch(/first (call to iam\.googleapis\.com|ListServiceAccounts)/);

    // What the first server would say about two more such calls, before it stops.
    const state = feature.state;
    if (!state) throw new Error("feature not installed");
    firstScores = probes.map((e) => state.score(e));
    firstVersion = state.model?.version;
    await t.close();
    t = undefined;
  }, 30_000);

  it("after a restart on the same data folder, loads the stored model and baselines and scores identically", async () => {
    const feature = anomalyFeature();
    t = await startTestServer({}, { dataDir, features: [feature], consoleWrite: (text) => cards.push(text) });
    const state = feature.state;
    if (!state) throw new Error("feature not installed");
    expect(state.model?.version).toBe(firstVersion);
    // The attack the first server learnt survived the restart: its network is no longer new.
    expect(state.actorBaseline(sa?.id ?? "")?.prefixes.map.has("185.220.101.0/24")).toBe(true);
    expect(probes.map((e) => state.score(e))).toEqual(firstScores);
    await t.close();
    t = undefined;
  }, 30_000);

  it("with ANOMALY_ACTORS_IN_MEMORY=5 holds five baselines and reads an absent actor's back before scoring it", async () => {
    // Another scheduled service account, never active at 03:00, is not among the five most recent.
    const other = org.people.find(
      (p) => p.kind === "serviceAccount" && p.id !== sa?.id && !p.runHours?.includes(3),
    );
    if (!other) throw new Error("generator has no second service account idle at 03:00");
    const entry = attackEntry("other-attack-1", 5, "google.iam.admin.v1.ListServiceAccounts", other.id);
    const direct = new SqliteStore(join(dataDir, "immune.db"));
    const unbounded = await loadAnomalyState(direct);
    await direct.close();
    const expected = unbounded.score(normalizeRecord(structuredClone(entry)));
    const storedEvents = unbounded.actorBaseline(other.id)?.events ?? 0;
    expect(storedEvents).toBeGreaterThan(30);

    const feature = anomalyFeature();
    t = await startTestServer(
      { ANOMALY_ACTORS_IN_MEMORY: "5" },
      { dataDir, features: [feature], consoleWrite: (text) => cards.push(text) },
    );
    const state = feature.state;
    if (!state) throw new Error("feature not installed");
    expect(state.actorCount).toBe(5);
    expect(state.actorBaseline(other.id)).toBeUndefined();
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/^immune_anomaly_actor_baselines 5$/m);

    expect((await postJson(`${t.url}/events/gcp`, pubSubPush(entry))).status).toBe(200);
    const store = t.server.store;
    const incident = await waitFor(async () => {
      const docs = await store.query<Incident>("incidents");
      return docs.find((d) => d.data.actor.id === other.id)?.data;
    });
    // Scored against its own stored history, as a server holding every baseline would.
    expect(incident.anomalyScore).toBe(expected?.score);
    expect(state.actorBaseline(other.id)?.events).toBe(storedEvents + 1);
  }, 30_000);
});
