import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normalizeRecord } from "../../detection/normalize";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { DEFAULT_LEAST_PRIVILEGE } from "../../remediation/leastPrivilege/leastPrivilegeConfig";
import { observeEvents } from "../../remediation/leastPrivilege/leastPrivilegeFeature";
import {
  RecommendationRefresher,
  type RecommendationSummary,
  summaryId,
} from "../../remediation/leastPrivilege/recommendationSummary";
import { loadUsage } from "../../remediation/leastPrivilege/usage";
import { anaHistory, use } from "./auditEntries";

/**
 * What `/immune recommend` reads stays right as usage streams in, while a batch that only
 * repeats calls a principal already made today does not recompute (and rewrite) it.
 */
const settings = { ...DEFAULT_LEAST_PRIVILEGE, minHistoryDays: 5 };
const NOW = new Date("2026-11-23T10:00:00Z");
const later = (ms: number) => new Date(NOW.getTime() + ms);
const events = (entries: unknown[]) => entries.map((e) => normalizeRecord(e));
const publish = (time: string) =>
  use(
    "ana@acme.com",
    "pubsub.topics.publish",
    "google.pubsub.v1.Publisher.Publish",
    "pubsub.googleapis.com",
    time,
  );

let store: SqliteStore;
beforeEach(() => {
  store = new SqliteStore(":memory:");
});
afterEach(async () => {
  await store.close();
});

async function summary() {
  const doc = await store.get<RecommendationSummary>("usage", summaryId("ana@acme.com"));
  return { version: doc?.version, data: doc?.data };
}

describe("recommendation refresh as usage is recorded", () => {
  it("repeated calls update the usage counts but leave the recommendation as it was", async () => {
    const refresher = new RecommendationRefresher(settings, 60_000);
    const ctx = { store };
    // Ana, and the admin who granted her roles/editor (its own permission use).
    expect(await observeEvents(ctx, events(anaHistory()), settings, NOW, refresher)).toBe(2);
    const first = await summary();
    expect(first.data?.suggested).toEqual([
      "roles/cloudsql.client on project acme-prod",
      "roles/pubsub.publisher on project acme-prod",
    ]);

    expect(
      await observeEvents(ctx, events([publish("2026-11-22T09:00:00Z")]), settings, later(1000), refresher),
    ).toBe(0);
    expect((await summary()).version).toBe(first.version);
    const usage = await loadUsage(store, { cloud: "gcp", id: "ana@acme.com" });
    expect(usage?.perms["pubsub.topics.publish"]?.[1]).toBe(2);

    // Past maxAge the evidence (use counts) is brought up to date.
    expect(
      await observeEvents(ctx, events([publish("2026-11-22T10:00:00Z")]), settings, later(61_000), refresher),
    ).toBe(1);
    const refreshed = await summary();
    expect(refreshed.version).not.toBe(first.version);
    const kept = refreshed.data?.recommendations[0]?.kept.find(
      (k) => k.permission === "pubsub.topics.publish",
    );
    expect(kept?.count).toBe(3);
  });

  it("a newly used permission changes the recommendation at once", async () => {
    const refresher = new RecommendationRefresher(settings, 60 * 60_000);
    const ctx = { store };
    await observeEvents(ctx, events(anaHistory()), settings, NOW, refresher);
    const before = await summary();
    const storage = use(
      "ana@acme.com",
      "storage.buckets.create",
      "storage.buckets.create",
      "storage.googleapis.com",
      "2026-11-23T09:00:00Z",
    );
    expect(await observeEvents(ctx, events([storage]), settings, later(1000), refresher)).toBe(1);
    const after = await summary();
    expect(after.data?.suggested).not.toEqual(before.data?.suggested);
    expect(after.data?.recommendations[0]?.kept.map((k) => k.permission)).toContain("storage.buckets.create");
  });

  it("a new day refreshes it at once (the window and the history length move)", async () => {
    const refresher = new RecommendationRefresher(settings, 24 * 60 * 60_000);
    const ctx = { store };
    await observeEvents(ctx, events(anaHistory()), settings, NOW, refresher);
    const before = await summary();
    const tomorrow = new Date("2026-11-24T00:00:01Z");
    expect(
      await observeEvents(ctx, events([publish("2026-11-24T00:00:00Z")]), settings, tomorrow, refresher),
    ).toBe(1);
    const after = await summary();
    expect(after.data?.observedDays).toBe((before.data?.observedDays ?? 0) + 1);
  });
});
