import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awsPublicBucketPolicyRecord,
  eventBridge,
  gcpPublicBucketEntry,
  pubSubPush,
} from "../helpers/fixtures";
import { mutate, wrongValue } from "../helpers/mutateJson";
import type { TestServer } from "../helpers/server";
import { startTestServer } from "../helpers/server";

/**
 * Hostile input at the webhooks: whatever arrives, the answer is a 2xx (and the event is
 * stored) or a 4xx naming the problem (and nothing is stored); never a 5xx, never a crash.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ BODY_LIMIT: "256kb" }, { startWorker: false });
});
afterAll(async () => {
  await t.close();
});

async function post(path: string, body: string | Blob, contentType = "application/json") {
  const before = (await t.server.store.inboxCounts()).pending;
  const res = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const text = await res.text();
  const after = (await t.server.store.inboxCounts()).pending;
  return { status: res.status, text, stored: after - before };
}

function expectClearAnswer(r: { status: number; text: string; stored: number }) {
  expect(r.status, r.text).toBeLessThan(500);
  if (r.status >= 400) {
    const body = JSON.parse(r.text) as { error?: unknown };
    expect(typeof body.error).toBe("string");
    expect(String(body.error).length).toBeGreaterThan(5);
    expect(r.stored).toBe(0);
  } else {
    const body = JSON.parse(r.text) as { accepted: number };
    expect(r.stored).toBe(body.accepted);
  }
}

const routes = [
  {
    path: "/events/gcp",
    valid: (n: number) => pubSubPush(gcpPublicBucketEntry({ insertId: `fuzz-gcp-${n}` }), String(n)),
  },
  {
    path: "/events/aws",
    valid: (n: number) =>
      eventBridge(
        awsPublicBucketPolicyRecord({ eventID: `a0b1c2d3-0000-4000-8000-${String(n).padStart(12, "0")}` }),
      ),
  },
];

describe.each(routes)("$path under hostile input", ({ path, valid }) => {
  it("answers arbitrary JSON with 2xx or a 4xx naming the problem, storing nothing on refusal", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        expectClearAnswer(await post(path, JSON.stringify(value) ?? "null"));
      }),
      { numRuns: 80 },
    );
  });

  it("survives a valid event with any one field replaced by a wrong type", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        wrongValue,
        async (where, value) => {
          n++;
          const body = JSON.stringify(mutate(valid(10_000 + n), where, value));
          expectClearAnswer(await post(path, body));
        },
      ),
      { numRuns: 120 },
    );
  });

  it("refuses truncated bodies with 400 and stores nothing", async () => {
    const whole = JSON.stringify(valid(1));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: whole.length - 1 }), async (cut) => {
        const r = await post(path, whole.slice(0, cut));
        expect(r.status).toBe(400);
        expectClearAnswer(r);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses deeply nested, oversized, empty and non-JSON bodies", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    for (const body of [deep, deepObject]) {
      const r = await post(path, body);
      expectClearAnswer(r);
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    const huge = await post(path, JSON.stringify({ blob: "x".repeat(300 * 1024) }));
    expect(huge.status).toBe(413);
    expectClearAnswer(huge);
    const empty = await post(path, "");
    expect(empty.status).toBe(400);
    expectClearAnswer(empty);
    const binary = await post(
      path,
      new Blob([new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x7b])]),
      "application/octet-stream",
    );
    expect(binary.status).toBe(400);
    expectClearAnswer(binary);
  });
});
