import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISMISS_CALLBACK, DISMISS_REASON } from "../../bot/slack/blockKit";
import type { Incident } from "../../detection/model";
import { waitUntil } from "../helpers/childServer";
import {
  bucketResource,
  cardPostsByIncident,
  faultEnv,
  publicPolicy,
  SLACK_SIGNING_SECRET,
} from "../helpers/faultFixtures";
import {
  awsPublicBucketPolicyRecord,
  eventBridge,
  gcpPublicBucketEntry,
  pubSubPush,
} from "../helpers/fixtures";
import type { GoogleApiStandIn } from "../helpers/googleApiStandIn";
import { startGoogleApiStandIn } from "../helpers/googleApiStandIn";
import { capturedLogs, postJson, startTestServer, type TestServer } from "../helpers/server";
import { blockActionsBody, postSigned, slashCommandBody, viewSubmissionBody } from "../helpers/slackRequests";
import { SlackStandIn } from "../helpers/slackStandIn";

/**
 * No URL taken from a payload is ever fetched. A "canary" HTTP server counts every request it
 * gets; its URLs are planted in every field a sender controls that a careless product might
 * follow: GCP audit log caller IP, user agent, request/response bodies and metadata; CloudTrail
 * user agent, source IP, Host headers, policy conditions and response elements; SailPoint
 * identity attributes (profile and avatar links, SCIM meta.location); Slack button presses and
 * modal submissions (response_url / response_urls). The full server (every default feature,
 * Slack against its stand-in, automatic remediation against the Google stand-in and a mocked
 * AWS SDK) turns them into incidents, cards and remediations, and the canary hears nothing.
 *
 * Slack's response_url is the one URL from a request the bot does use (Bolt answers a slash
 * command there), and only because the signed request comes from Slack: the bot follows it
 * only on Slack's hooks host (or SLACK_API_URL's origin, here the stand-in), so a slash command
 * carrying the canary's URL is acknowledged and left unanswered, while the same command with
 * the stand-in's response URL is answered (the control that the path works).
 */

const APPROVER = { id: "U0APPROVER", username: "alice" };
const s3 = mockClient(S3Client);
let canary: Server;
let canaryHits: string[] = [];
let canaryUrl = "";
let slack: SlackStandIn;
let google: GoogleApiStandIn;
let t: TestServer;

beforeAll(async () => {
  canary = createServer((req, res) => {
    canaryHits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => canary.listen(0, "127.0.0.1", r));
  canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  slack = await new SlackStandIn().start();
  google = await startGoogleApiStandIn();
  t = await startTestServer({ ...faultEnv(slack, google), SLACK_APPROVERS: APPROVER.id });
});
afterAll(async () => {
  await t?.close();
  await slack?.stop();
  await google?.close();
  s3.restore();
  await new Promise<void>((r) => canary.close(() => r()));
});

const c = (field: string) => `${canaryUrl}/${field}`;

function gcpEntry() {
  const e = gcpPublicBucketEntry({ insertId: "canary-gcp-1" }) as ReturnType<typeof gcpPublicBucketEntry> & {
    protoPayload: Record<string, unknown>;
  };
  const md = e.protoPayload.requestMetadata as Record<string, unknown>;
  md.callerIp = canaryUrl.replace("http://", "");
  md.callerSuppliedUserAgent = `curl/8.4 (+${c("gcp-user-agent")})`;
  md.requestAttributes = {
    time: e.timestamp,
    auth: {},
    host: canaryUrl,
    path: c("gcp-path"),
    referer: c("gcp-referer"),
  };
  md.destinationAttributes = { ip: "127.0.0.1", port: canaryUrl.split(":").pop() };
  e.protoPayload.request = {
    "@type": c("gcp-request-type"),
    resource: "acme-prod-invoices",
    policy: { bindings: [{ role: "roles/storage.objectViewer", members: ["allUsers"] }], etag: c("etag") },
    callbackUrl: c("gcp-callback"),
  };
  e.protoPayload.response = { "@type": c("gcp-response-type"), selfLink: c("gcp-self-link") };
  e.protoPayload.metadata = { jwksUri: c("gcp-jwks"), webhook: c("gcp-webhook") };
  (e as Record<string, unknown>).labels = { link: c("gcp-label") };
  return e;
}

function awsRecord() {
  const r = awsPublicBucketPolicyRecord({ eventID: "canary-aws-1" }) as Omit<
    ReturnType<typeof awsPublicBucketPolicyRecord>,
    "responseElements"
  > & { responseElements: unknown };
  r.userAgent = `aws-cli/2.17 (+${c("aws-user-agent")})`;
  r.sourceIPAddress = canaryUrl.replace("http://", "");
  const host = canaryUrl.replace("http://", "");
  r.requestParameters.Host = host;
  r.tlsDetails.clientProvidedHostHeader = host;
  (r.requestParameters.bucketPolicy.Statement[0] as Record<string, unknown>).Condition = {
    StringLike: { "aws:Referer": [c("aws-referer")] },
  };
  r.responseElements = { location: c("aws-location"), redirect: c("aws-redirect") };
  return r;
}

describe("no URL taken from a payload", () => {
  it("is fetched: cloud events, SailPoint events and Slack interactions leave the canary silent", async () => {
    google.setPolicy(bucketResource("acme-prod-invoices"), publicPolicy());
    const record = awsRecord();
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(record.requestParameters.bucketPolicy) });
    s3.on(DeleteBucketPolicyCommand).resolves({});
    s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });
    s3.on(PutPublicAccessBlockCommand).resolves({});

    expect((await postJson(`${t.url}/events/gcp`, pubSubPush(gcpEntry(), "6200000001"))).status).toBe(200);
    expect((await postJson(`${t.url}/events/aws`, eventBridge(record))).status).toBe(200);
    const sailpoint = await postJson(`${t.url}/events/sailpoint?trigger=idn:identity-created`, {
      identity: { type: "IDENTITY", id: "2c9180857182305e0171993735629999", name: "Cara Canary" },
      attributes: {
        email: "cara@acme.com",
        department: "engineering",
        title: "Engineer",
        cloudLifecycleState: "active",
        uid: "cara.canary",
        profileUrl: c("sailpoint-profile"),
        avatar: c("sailpoint-avatar"),
        manager: { id: "2c9180a46faadee4016fb4e018c20639", name: c("sailpoint-manager"), type: "IDENTITY" },
        meta: { location: c("sailpoint-scim-location") },
      },
    });
    expect(sailpoint.status).toBeLessThan(300);

    // Both cloud events become incidents with cards, and are remediated.
    const incidents = async () =>
      (await t.server.store.query<Incident>("incidents", { limit: 10 })).map((d) => d.data);
    const settled = await waitUntil(
      "two remediated incidents with cards",
      async () => {
        const all = await incidents();
        return all.length === 2 && all.every((i) => i.state === "remediated" && i.chat.slack) ? all : null;
      },
      20_000,
    );
    expect(cardPostsByIncident(slack).size).toBe(2);
    expect(settled.map((i) => i.source).sort()).toEqual(["aws", "gcp"]);
    await waitUntil(
      "the SailPoint identity",
      () => t.server.store.get("identities", "cara@acme.com"),
      10_000,
    );

    // Slack interactions whose response URLs point at the canary.
    const gcpIncident = settled.find((i) => i.source === "gcp")!;
    const press = await postSigned(
      t.url,
      SLACK_SIGNING_SECRET,
      blockActionsBody({
        user: APPROVER,
        actionId: "assign",
        value: gcpIncident.id,
        channel: gcpIncident.chat.slack!.channel,
        messageTs: gcpIncident.chat.slack!.ts,
        responseUrl: c("slack-response-url"),
      }),
    );
    expect(press.status).toBe(200);
    await waitUntil(
      "the Take press to assign the incident",
      async () => (await t.server.store.get<Incident>("incidents", gcpIncident.id))?.data.assignee,
      10_000,
    );
    // The Dismiss modal submitted, with the response_urls Slack adds when a modal asks for them.
    const form = new URLSearchParams(
      viewSubmissionBody({
        user: APPROVER,
        callbackId: DISMISS_CALLBACK,
        privateMetadata: JSON.stringify({ incidentId: gcpIncident.id }),
        values: {
          [DISMISS_REASON.block]: {
            [DISMISS_REASON.action]: { type: "plain_text_input", value: "canary check" },
          },
        },
      }),
    );
    const payload = JSON.parse(form.get("payload") ?? "{}") as Record<string, unknown>;
    payload.response_urls = [
      { block_id: "b", action_id: "a", channel_id: "C0FAULTS", response_url: c("slack-modal") },
    ];
    form.set("payload", JSON.stringify(payload));
    const modal = await postSigned(t.url, SLACK_SIGNING_SECRET, form.toString());
    expect(modal.status).toBeLessThan(500);

    // A slash command: answered at Slack's response URL, never at the canary's.
    const toCanary = await postSigned(
      t.url,
      SLACK_SIGNING_SECRET,
      slashCommandBody("status", APPROVER, c("slack-command")),
    );
    expect(toCanary.status).toBe(200);
    const control = await postSigned(
      t.url,
      SLACK_SIGNING_SECRET,
      slashCommandBody("status", APPROVER, slack.responseUrl()),
    );
    expect(control.status).toBe(200);
    await slack.waitFor((calls) => calls.some((x) => x.method === "response_url"), 10_000);
    await waitUntil(
      "the command with the canary's response_url to be refused",
      () => capturedLogs.some((l) => l.includes("response_url outside Slack")),
      10_000,
    );

    expect(canaryHits).toEqual([]);
    canaryHits = [];
  }, 60_000);
});
