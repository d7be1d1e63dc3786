import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import { remediationFeature } from "../../remediation/remediationFeature";
import { awsPublicBucketPolicyRecord, eventBridge } from "../helpers/fixtures";
import { CapturingChannel } from "../helpers/remediationFixtures";
import type { TestServer } from "../helpers/server";
import { postJson, startTestServer } from "../helpers/server";

const s3 = mockClient(S3Client);
let t: TestServer;
const channel = new CapturingChannel();

beforeAll(async () => {
  t = await startTestServer(
    {
      LOCAL_UNAUTHENTICATED: "true",
      REMEDIATION_MODE: "enforce",
      AUTO_REMEDIATE: "true",
      AUTO_REMEDIATE_THRESHOLD: "40",
    },
    { features: [remediationFeature()], channels: [channel] },
  );
});
afterAll(async () => {
  await t.close();
  s3.restore();
});

function missing(name: string) {
  return new S3ServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: 404 },
    message: name,
  });
}

describe("remediation end to end (AWS)", () => {
  it("a public S3 bucket policy from CloudTrail is removed and public access blocked; Undo puts both back", async () => {
    const record = awsPublicBucketPolicyRecord({ eventID: "e2e-aws-public-1" });
    const publicPolicy = JSON.stringify(record.requestParameters.bucketPolicy);
    s3.on(GetBucketPolicyCommand).resolves({ Policy: publicPolicy });
    s3.on(DeleteBucketPolicyCommand).resolves({});
    s3.on(GetPublicAccessBlockCommand).rejects(missing("NoSuchPublicAccessBlockConfiguration"));
    s3.on(PutPublicAccessBlockCommand).resolves({});

    const res = await postJson(`${t.url}/events/aws`, eventBridge(record));
    expect(res.status).toBe(200);
    const until = Date.now() + 8000;
    let inc: Incident | undefined;
    while (!inc && Date.now() < until) {
      const docs = await t.server.store.query<Incident>("incidents", {});
      inc = docs.map((d) => d.data).find((i) => i.state === "remediated" || i.state === "failed");
      if (!inc) await new Promise((r) => setTimeout(r, 25));
    }
    expect(inc?.state).toBe("remediated");
    const id = inc?.id ?? "";
    expect(s3.commandCalls(DeleteBucketPolicyCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: "acme-prod-exports" },
    ]);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0].args[0].input).toEqual({
      Bucket: "acme-prod-exports",
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(channel.last(id)?.plan?.steps.map((s) => s.status)).toEqual(["done", "done"]);

    // The bucket now has no policy and a full block; Undo reverses in order: block off, policy back.
    s3.reset();
    s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    s3.on(DeletePublicAccessBlockCommand).resolves({});
    s3.on(GetBucketPolicyCommand).rejects(missing("NoSuchBucketPolicy"));
    s3.on(PutBucketPolicyCommand).resolves({});
    const undo = await t.server.actions.undo(id, { platform: "slack", id: "U0ONCALL", approver: true });
    expect(undo.ok).toBe(true);
    expect(s3.commandCalls(DeletePublicAccessBlockCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutBucketPolicyCommand)[0].args[0].input).toEqual({
      Bucket: "acme-prod-exports",
      Policy: publicPolicy,
    });
    const audit = (await listAudit(t.server.store, { incidentId: id })).map((e) => e.action);
    expect(audit.filter((a) => a === "remediation.step.done")).toHaveLength(2);
    expect(audit.filter((a) => a === "remediation.step.undone")).toHaveLength(2);
  });
});
