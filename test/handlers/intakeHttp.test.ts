import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  awsPublicBucketPolicyRecord,
  eventBridge,
  gcpPublicBucketEntry,
  pubSubPush,
} from "../helpers/fixtures";
import type { OidcStandIn } from "../helpers/oidc";
import { startOidcStandIn } from "../helpers/oidc";
import type { TestServer } from "../helpers/server";
import { postJson, startTestServer } from "../helpers/server";

const AUDIENCE = "https://immune.example.com/events/gcp";
const PUSH_SA = "pubsub-push@acme-security.iam.gserviceaccount.com";
const API_KEY = "eb-key-0f8d2c7a91b34e55";

let oidc: OidcStandIn;
let t: TestServer;

async function snapshot() {
  const store = t.server.store;
  return {
    counts: await store.inboxCounts(),
    ids: (await store.listInbox({ limit: 1000 })).map((r) => r.id),
  };
}

beforeAll(async () => {
  oidc = await startOidcStandIn();
  t = await startTestServer(
    {
      PUBSUB_AUDIENCE: AUDIENCE,
      PUBSUB_SERVICE_ACCOUNT: PUSH_SA,
      GOOGLE_OIDC_CERTS_URL: oidc.certsUrl,
      EVENTBRIDGE_API_KEY: API_KEY,
      BODY_LIMIT: "64kb",
    },
    { startWorker: false },
  );
});
afterAll(async () => {
  await t.close();
  await oidc.close();
});

const goodToken = () => oidc.sign({ aud: AUDIENCE, email: PUSH_SA, email_verified: true, sub: "1122334455" });

describe("POST /events/gcp", () => {
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeEach(async () => {
    before = await snapshot();
  });

  it("accepts a Pub/Sub push with a valid OIDC token and stores the LogEntry durably", async () => {
    const entry = gcpPublicBucketEntry({ insertId: "push-valid-1" });
    const res = await postJson(`${t.url}/events/gcp`, pubSubPush(entry), {
      authorization: `Bearer ${goodToken()}`,
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 1, duplicates: 0 });
    const stored = await t.server.store.getInbox("gcp:push-valid-1");
    expect(stored?.status).toBe("pending");
    expect(JSON.parse(stored!.payload).protoPayload.methodName).toBe("storage.setIamPermissions");
  });

  it("stores a redelivered message once", async () => {
    const entry = gcpPublicBucketEntry({ insertId: "push-dup-1" });
    const auth = { authorization: `Bearer ${goodToken()}` };
    expect((await postJson(`${t.url}/events/gcp`, pubSubPush(entry, "1"), auth)).json).toMatchObject({
      accepted: 1,
    });
    const again = await postJson(`${t.url}/events/gcp`, pubSubPush(entry, "2"), auth);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 1 });
    const ids = (await t.server.store.listInbox({ limit: 1000 }))
      .map((r) => r.id)
      .filter((i) => i === "gcp:push-dup-1");
    expect(ids).toHaveLength(1);
  });

  it("accepts Eventarc CloudEvents in structured and binary mode", async () => {
    const auth = { authorization: `Bearer ${goodToken()}` };
    const structured = await postJson(
      `${t.url}/events/gcp`,
      {
        specversion: "1.0",
        id: "ce-1",
        source: "//cloudaudit.googleapis.com/projects/acme-prod/logs/activity",
        type: "google.cloud.audit.log.v1.written",
        datacontenttype: "application/json",
        time: "2026-11-20T14:03:12.483Z",
        data: gcpPublicBucketEntry({ insertId: "ce-structured-1" }),
      },
      { ...auth, "content-type": "application/cloudevents+json" },
    );
    expect(structured.status).toBe(200);
    const binary = await postJson(`${t.url}/events/gcp`, gcpPublicBucketEntry({ insertId: "ce-binary-1" }), {
      ...auth,
      "ce-specversion": "1.0",
      "ce-id": "ce-2",
      "ce-source": "//cloudaudit.googleapis.com/projects/acme-prod/logs/activity",
      "ce-type": "google.cloud.audit.log.v1.written",
    });
    expect(binary.status).toBe(200);
    expect(await t.server.store.getInbox("gcp:ce-structured-1")).not.toBeNull();
    expect(await t.server.store.getInbox("gcp:ce-binary-1")).not.toBeNull();
  });

  const rejected: [string, () => Record<string, string>, unknown, number, RegExp][] = [
    ["no token", () => ({}), pubSubPush(gcpPublicBucketEntry()), 401, /missing bearer token/],
    [
      "a wrong audience",
      () => ({
        authorization: `Bearer ${oidc.sign({ aud: "https://evil.example.net/", email: PUSH_SA, email_verified: true })}`,
      }),
      pubSubPush(gcpPublicBucketEntry()),
      401,
      /wrong audience/,
    ],
    [
      "an expired token",
      () => {
        const past = Math.floor(Date.now() / 1000) - 7200;
        return {
          authorization: `Bearer ${oidc.sign({ aud: AUDIENCE, email: PUSH_SA, email_verified: true, iat: past, exp: past + 600 })}`,
        };
      },
      pubSubPush(gcpPublicBucketEntry()),
      401,
      /expired/,
    ],
    [
      "a token signed by another key",
      () => ({
        authorization: `Bearer ${oidc.sign({ aud: AUDIENCE, email: PUSH_SA, email_verified: true }, { key: "other" })}`,
      }),
      pubSubPush(gcpPublicBucketEntry()),
      401,
      /invalid OIDC token/,
    ],
    [
      "a token for another service account",
      () => ({
        authorization: `Bearer ${oidc.sign({ aud: AUDIENCE, email: "intruder@evil-proj.iam.gserviceaccount.com", email_verified: true })}`,
      }),
      pubSubPush(gcpPublicBucketEntry()),
      403,
      /not allowed/,
    ],
    [
      "malformed JSON",
      () => ({ authorization: `Bearer ${goodToken()}` }),
      '{"message": {',
      400,
      /malformed JSON/,
    ],
    [
      "a message whose data is not a LogEntry",
      () => ({ authorization: `Bearer ${goodToken()}` }),
      {
        message: { data: Buffer.from(JSON.stringify({ hello: "world" })).toString("base64"), messageId: "5" },
        subscription: "projects/acme-security/subscriptions/iam-immune-push",
      },
      400,
      /not a Cloud Audit LogEntry/,
    ],
    [
      "a message whose data is not JSON",
      () => ({ authorization: `Bearer ${goodToken()}` }),
      { message: { data: Buffer.from("plain text").toString("base64"), messageId: "6" }, subscription: "s" },
      400,
      /not base64-encoded JSON/,
    ],
    [
      "an oversized body",
      () => ({ authorization: `Bearer ${goodToken()}` }),
      { message: { data: "A".repeat(100 * 1024), messageId: "7" }, subscription: "s" },
      413,
      /too large/,
    ],
  ];

  it.each(rejected)(
    "rejects %s with a clear error and changes nothing",
    async (_name, headers, body, status, error) => {
      const res = await postJson(`${t.url}/events/gcp`, body, headers());
      expect(res.status).toBe(status);
      expect(String(res.json.error)).toMatch(error);
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe("POST /events/aws", () => {
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeEach(async () => {
    before = await snapshot();
  });

  it("accepts an EventBridge CloudTrail event with the API key", async () => {
    const rec = awsPublicBucketPolicyRecord({ eventID: "aws-eb-ok-1" });
    const res = await postJson(`${t.url}/events/aws`, eventBridge(rec), { "x-api-key": API_KEY });
    expect(res.status).toBe(200);
    expect(await t.server.store.getInbox("aws:aws-eb-ok-1")).not.toBeNull();
  });

  it("accepts a CloudTrail log file and stores each record once", async () => {
    const file = {
      Records: [
        awsPublicBucketPolicyRecord({ eventID: "aws-file-1" }),
        awsPublicBucketPolicyRecord({ eventID: "aws-file-2" }),
        awsPublicBucketPolicyRecord({ eventID: "aws-file-1" }),
      ],
    };
    const res = await postJson(`${t.url}/events/aws`, file, { "x-api-key": API_KEY });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 2, duplicates: 1 });
  });

  const rejected: [string, Record<string, string>, unknown, number, RegExp][] = [
    ["no API key", {}, eventBridge(awsPublicBucketPolicyRecord()), 401, /credentials/],
    [
      "a bad shared secret",
      { "x-api-key": "eb-key-wrong" },
      eventBridge(awsPublicBucketPolicyRecord()),
      401,
      /credentials/,
    ],
    ["malformed JSON", { "x-api-key": API_KEY }, "[{,", 400, /malformed JSON/],
    [
      "an EventBridge event that is not a CloudTrail call",
      { "x-api-key": API_KEY },
      {
        ...eventBridge(awsPublicBucketPolicyRecord()),
        "detail-type": "EC2 Instance State-change Notification",
      },
      400,
      /does not carry a CloudTrail record/,
    ],
    [
      "a log file with a record missing eventID",
      { "x-api-key": API_KEY },
      { Records: [{ ...awsPublicBucketPolicyRecord(), eventID: undefined }] },
      400,
      /Records\[0\].*eventID/,
    ],
    [
      "an oversized body",
      { "x-api-key": API_KEY },
      { Records: [], pad: "B".repeat(100 * 1024) },
      413,
      /too large/,
    ],
  ];

  it.each(rejected)(
    "rejects %s with a clear error and changes nothing",
    async (_name, headers, body, status, error) => {
      const res = await postJson(`${t.url}/events/aws`, body, headers);
      expect(res.status).toBe(status);
      expect(String(res.json.error)).toMatch(error);
      expect(await snapshot()).toEqual(before);
    },
  );
});
