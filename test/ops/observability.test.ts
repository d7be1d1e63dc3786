import { afterEach, describe, expect, it } from "vitest";
import { awsPublicBucketPolicyRecord, eventBridge } from "../helpers/fixtures";
import type { TestServer } from "../helpers/server";
import { capturedLogs, postJson, startTestServer } from "../helpers/server";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one Prometheus sample, e.g. metric('x_total{source="aws"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

describe("/metrics", () => {
  it("counts events received, accepted and rejected by source, incidents by band, and pipeline lag", async () => {
    const cards: string[] = [];
    t = await startTestServer({}, { consoleWrite: (s) => cards.push(s) });
    for (let i = 0; i < 3; i++) {
      const rec = awsPublicBucketPolicyRecord({ eventID: `3f1d6c2e-0000-4000-8000-00000000000${i}` });
      expect((await postJson(`${t.url}/events/aws`, eventBridge(rec))).status).toBe(200);
    }
    const bad = await fetch(`${t.url}/events/aws`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    await waitFor(async () => (await t!.server.store.inboxCounts()).pending === 0);
    await waitFor(async () => cards.length > 0);

    const text = await metricsText(t.url);
    expect(sample(text, 'immune_events_received_total{source="aws"}')).toBe(4);
    expect(sample(text, 'immune_events_accepted_total{source="aws"}')).toBe(3);
    expect(sample(text, 'immune_events_rejected_total{source="aws",reason="json"}')).toBe(1);
    const incidents = text
      .split("\n")
      .filter((l) => l.startsWith("immune_incidents_total{"))
      .reduce((a, l) => a + Number(l.split(" ")[1]), 0);
    expect(incidents).toBeGreaterThanOrEqual(1);
    expect(sample(text, "immune_pipeline_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(text).toContain("# TYPE immune_chat_api_errors_total counter");
    expect(text).toContain("# TYPE immune_remediations_total counter");
    expect(text).toContain("# TYPE immune_anomaly_model_age_seconds gauge");
  });
});

describe("/readyz and /healthz", () => {
  it("is ready with an empty backlog, answers 503 when the backlog passes its bound, and when the store is gone", async () => {
    t = await startTestServer({ READY_MAX_BACKLOG: "2" }, { startWorker: false });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    let res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", store: "sqlite", backlog: 0, deadLetters: 0 });

    for (let i = 0; i < 3; i++) {
      const rec = awsPublicBucketPolicyRecord({ eventID: `7a2b9c1d-0000-4000-8000-00000000000${i}` });
      expect((await postJson(`${t.url}/events/aws`, eventBridge(rec))).status).toBe(200);
    }
    res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "backlogged", backlog: 3, maxBacklog: 2 });

    await t.server.store.close();
    res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(503);
    expect((await res.json()).status).toBe("store unreachable");
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});

describe("request logs", () => {
  it("carry a correlation id, echo it back, and never the shared secret", async () => {
    const key = "eb-secret-4c1f9e2d7b";
    t = await startTestServer({ EVENTBRIDGE_API_KEY: key }, { startWorker: false });
    const res = await fetch(`${t.url}/events/aws`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "wrong-key-123",
        "x-request-id": "req-42.abc",
      },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toBe("req-42.abc");
    const generated = await fetch(`${t.url}/events/aws`, {
      method: "POST",
      headers: { "x-request-id": "bad id with spaces; and <markup>" },
      body: "{}",
    });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const line = capturedLogs
      .flatMap((chunk) => chunk.split("\n"))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { req?: { id: string }; level: number; res?: { statusCode: number } })
      .find((l) => l.req?.id === "req-42.abc");
    expect(line?.res?.statusCode).toBe(401);
    expect(line?.level).toBe(40);
    const all = capturedLogs.join("");
    expect(all).not.toContain(key);
    expect(all).not.toContain("wrong-key-123");
  });
});
