import {
  AttachUserPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetLoginProfileCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  NoSuchEntityException,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
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
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RemediationAction } from "../../detection/model";
import type { AwsClientFactory } from "../../remediation/awsClients";
import { awsExecutors, QUARANTINE_POLICY_NAME } from "../../remediation/awsExecutor";
import { RemediationError } from "../../remediation/errors";

const iamMock = mockClient(IAMClient);
const s3Mock = mockClient(S3Client);
const creds = { accessKeyId: "AKIAEXAMPLEEXAMPLE00", secretAccessKey: "test-secret-not-real" };
const accounts: (string | undefined)[] = [];
const factory: AwsClientFactory = {
  iam(account) {
    accounts.push(account);
    return new IAMClient({ region: "us-east-1", credentials: creds });
  },
  s3(account) {
    accounts.push(account);
    return new S3Client({ region: "us-east-1", credentials: creds });
  },
};
const ex = awsExecutors(factory, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });

function action(kind: RemediationAction["kind"], params: Record<string, unknown>): RemediationAction {
  return {
    kind,
    target: String(params.principal ?? params.bucket ?? ""),
    params,
    idempotencyKey: `k-${kind}`,
    description: kind,
  };
}

const userParams = {
  account: "111122223333",
  principalType: "user",
  principalName: "mallory",
  principal: "arn:aws:iam::111122223333:user/mallory",
};
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

function noSuchEntity(message: string) {
  return new NoSuchEntityException({ message, $metadata: { httpStatusCode: 404 } });
}

function s3Error(name: string, status: number) {
  return new S3ServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

beforeEach(() => {
  iamMock.reset();
  s3Mock.reset();
  accounts.length = 0;
});
afterEach(() => {
  iamMock.reset();
  s3Mock.reset();
});

describe("aws.detachPolicy", () => {
  const detach = action("aws.detachPolicy", { ...userParams, policyArn: ADMIN });

  it("detaches exactly that policy from that user in that account, recording it for undo", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({
      AttachedPolicies: [
        { PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", PolicyName: "ReadOnlyAccess" },
        { PolicyArn: ADMIN, PolicyName: "AdministratorAccess" },
      ],
    });
    iamMock.on(DetachUserPolicyCommand).resolves({});
    const out = await ex["aws.detachPolicy"]!.execute(detach);
    expect(out.status).toBe("done");
    expect(out.beforeState).toEqual({ attached: [ADMIN] });
    const calls = iamMock.commandCalls(DetachUserPolicyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ UserName: "mallory", PolicyArn: ADMIN });
    expect(accounts).toContain("111122223333");
  });

  it("is idempotent: a second run finds the policy gone and makes no mutating call", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    const out = await ex["aws.detachPolicy"]!.execute(detach);
    expect(out.status).toBe("noop");
    expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(0);
  });

  it("follows pagination to find the attachment", async () => {
    iamMock
      .on(ListAttachedRolePoliciesCommand, { RoleName: "ci-deployer", Marker: undefined })
      .resolves({ AttachedPolicies: [], IsTruncated: true, Marker: "page2" })
      .on(ListAttachedRolePoliciesCommand, { RoleName: "ci-deployer", Marker: "page2" })
      .resolves({ AttachedPolicies: [{ PolicyArn: ADMIN }] });
    iamMock.on(DetachRolePolicyCommand).resolves({});
    const out = await ex["aws.detachPolicy"]!.execute(
      action("aws.detachPolicy", {
        ...userParams,
        principalType: "role",
        principalName: "ci-deployer",
        policyArn: ADMIN,
      }),
    );
    expect(out.status).toBe("done");
    expect(iamMock.commandCalls(DetachRolePolicyCommand)[0].args[0].input).toEqual({
      RoleName: "ci-deployer",
      PolicyArn: ADMIN,
    });
  });

  it("undo re-attaches the recorded policy, and only when it is missing", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iamMock.on(AttachUserPolicyCommand).resolves({});
    const out = await ex["aws.detachPolicy"]!.undo(detach, { attached: [ADMIN] });
    expect(out.status).toBe("undone");
    expect(iamMock.commandCalls(AttachUserPolicyCommand)[0].args[0].input).toEqual({
      UserName: "mallory",
      PolicyArn: ADMIN,
    });

    iamMock.reset();
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: ADMIN }] });
    const again = await ex["aws.detachPolicy"]!.undo(detach, { attached: [ADMIN] });
    expect(again.status).toBe("noop");
    expect(iamMock.commandCalls(AttachUserPolicyCommand)).toHaveLength(0);
  });

  it("retries throttling, then succeeds", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: ADMIN }] });
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "Throttling",
      $metadata: { httpStatusCode: 400 },
    });
    iamMock.on(DetachUserPolicyCommand).rejectsOnce(throttled).resolves({});
    const out = await ex["aws.detachPolicy"]!.execute(detach);
    expect(out.status).toBe("done");
    expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(2);
  });

  it("reports a denial naming the missing IAM action, without retrying", async () => {
    iamMock.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: ADMIN }] });
    const denied = Object.assign(
      new Error(
        "User: arn:aws:sts::111122223333:assumed-role/iam-immune-remediator/s is not authorized to perform: iam:DetachUserPolicy on resource: user mallory",
      ),
      { name: "AccessDenied", $metadata: { httpStatusCode: 403 } },
    );
    iamMock.on(DetachUserPolicyCommand).rejects(denied);
    const err = await ex["aws.detachPolicy"]!.execute(detach).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemediationError);
    expect((err as RemediationError).kind).toBe("denied");
    expect((err as RemediationError).missingPermission).toBe("iam:DetachUserPolicy");
    expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(1);
  });
});

describe("aws.deactivateAccessKey", () => {
  const deactivate = action("aws.deactivateAccessKey", { ...userParams });

  it("deactivates only the active keys and re-activates exactly those on undo", async () => {
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: "AKIAOLDKEYINACTIVE01", Status: "Inactive", UserName: "mallory" },
        { AccessKeyId: "AKIAACTIVEKEY0000001", Status: "Active", UserName: "mallory" },
      ],
    });
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    const out = await ex["aws.deactivateAccessKey"]!.execute(deactivate);
    expect(out.status).toBe("done");
    expect(iamMock.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: "mallory", AccessKeyId: "AKIAACTIVEKEY0000001", Status: "Inactive" },
    ]);

    iamMock.reset();
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: "AKIAOLDKEYINACTIVE01", Status: "Inactive" },
        { AccessKeyId: "AKIAACTIVEKEY0000001", Status: "Inactive" },
      ],
    });
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    expect((await ex["aws.deactivateAccessKey"]!.undo(deactivate, out.beforeState)).status).toBe("undone");
    // The key that was already inactive before stays inactive.
    expect(iamMock.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: "mallory", AccessKeyId: "AKIAACTIVEKEY0000001", Status: "Active" },
    ]);
  });

  it("a second run finds no active key and changes nothing", async () => {
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [{ AccessKeyId: "AKIAACTIVEKEY0000001", Status: "Inactive" }],
    });
    expect((await ex["aws.deactivateAccessKey"]!.execute(deactivate)).status).toBe("noop");
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
  });
});

describe("aws.quarantine", () => {
  const q = action("aws.quarantine", { ...userParams });

  it("puts an explicit deny-all inline policy, and undo deletes it", async () => {
    iamMock
      .on(GetUserPolicyCommand)
      .rejects(noSuchEntity("The user policy with name IamImmuneQuarantine cannot be found."));
    iamMock.on(PutUserPolicyCommand).resolves({});
    const out = await ex["aws.quarantine"]!.execute(q);
    expect(out.status).toBe("done");
    const put = iamMock.commandCalls(PutUserPolicyCommand)[0].args[0].input;
    expect(put.UserName).toBe("mallory");
    expect(put.PolicyName).toBe(QUARANTINE_POLICY_NAME);
    expect(JSON.parse(put.PolicyDocument ?? "{}").Statement).toEqual([
      expect.objectContaining({ Effect: "Deny", Action: "*", Resource: "*" }),
    ]);
    expect(out.beforeState).toEqual({ previousDocument: null });

    iamMock.reset();
    // IAM returns inline documents URL-encoded.
    iamMock.on(GetUserPolicyCommand).resolves({
      UserName: "mallory",
      PolicyName: QUARANTINE_POLICY_NAME,
      PolicyDocument: encodeURIComponent(put.PolicyDocument ?? ""),
    });
    iamMock.on(DeleteUserPolicyCommand).resolves({});
    expect((await ex["aws.quarantine"]!.execute(q)).status).toBe("noop");
    expect(iamMock.commandCalls(PutUserPolicyCommand)).toHaveLength(0);
    expect((await ex["aws.quarantine"]!.undo(q, out.beforeState)).status).toBe("undone");
    expect(iamMock.commandCalls(DeleteUserPolicyCommand)[0].args[0].input).toEqual({
      UserName: "mallory",
      PolicyName: QUARANTINE_POLICY_NAME,
    });
  });
});

describe("aws.deleteLoginProfile", () => {
  it("deletes the console password once and says undo cannot bring it back", async () => {
    const del = action("aws.deleteLoginProfile", { ...userParams, irreversible: true });
    iamMock
      .on(GetLoginProfileCommand)
      .resolves({ LoginProfile: { UserName: "mallory", CreateDate: new Date() } });
    iamMock.on(DeleteLoginProfileCommand).resolves({});
    expect((await ex["aws.deleteLoginProfile"]!.execute(del)).status).toBe("done");
    iamMock
      .on(GetLoginProfileCommand)
      .rejects(noSuchEntity("Login Profile for User mallory cannot be found."));
    expect((await ex["aws.deleteLoginProfile"]!.execute(del)).status).toBe("noop");
    expect(iamMock.commandCalls(DeleteLoginProfileCommand)).toHaveLength(1);
    const undo = await ex["aws.deleteLoginProfile"]!.undo(del, { hadLoginProfile: true });
    expect(undo.status).toBe("noop");
    expect(undo.message).toMatch(/create-login-profile/);
  });
});

describe("S3 public bucket: restore bucket policy, block public access", () => {
  const bucketParams = { account: "111122223333", bucket: "acme-prod-exports" };
  const publicPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::acme-prod-exports/*",
      },
    ],
  });
  const previousPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Partner",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::444455556666:root" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::acme-prod-exports/*",
      },
    ],
  });

  it("puts the previous policy back, and undo restores the public one it found", async () => {
    const restore = action("aws.restoreBucketPolicy", { ...bucketParams, previousPolicy });
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: publicPolicy });
    s3Mock.on(PutBucketPolicyCommand).resolves({});
    const out = await ex["aws.restoreBucketPolicy"]!.execute(restore);
    expect(out.status).toBe("done");
    expect(s3Mock.commandCalls(PutBucketPolicyCommand)[0].args[0].input).toEqual({
      Bucket: "acme-prod-exports",
      Policy: previousPolicy,
    });
    expect(out.beforeState).toEqual({ policy: publicPolicy });

    s3Mock.reset();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: previousPolicy });
    s3Mock.on(PutBucketPolicyCommand).resolves({});
    expect((await ex["aws.restoreBucketPolicy"]!.execute(restore)).status).toBe("noop");
    expect(s3Mock.commandCalls(PutBucketPolicyCommand)).toHaveLength(0);
    expect((await ex["aws.restoreBucketPolicy"]!.undo(restore, out.beforeState)).status).toBe("undone");
    expect(s3Mock.commandCalls(PutBucketPolicyCommand)[0].args[0].input.Policy).toBe(publicPolicy);
  });

  it("with no previous policy deletes the public one", async () => {
    const restore = action("aws.restoreBucketPolicy", { ...bucketParams });
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: publicPolicy });
    s3Mock.on(DeleteBucketPolicyCommand).resolves({});
    expect((await ex["aws.restoreBucketPolicy"]!.execute(restore)).status).toBe("done");
    expect(s3Mock.commandCalls(DeleteBucketPolicyCommand)[0].args[0].input).toEqual({
      Bucket: "acme-prod-exports",
    });
    s3Mock.on(GetBucketPolicyCommand).rejects(s3Error("NoSuchBucketPolicy", 404));
    expect((await ex["aws.restoreBucketPolicy"]!.execute(restore)).status).toBe("noop");
    expect(s3Mock.commandCalls(DeleteBucketPolicyCommand)).toHaveLength(1);
  });

  it("blocks all public access, and undo returns the bucket to having no block", async () => {
    const block = action("aws.blockPublicAccess", { ...bucketParams });
    s3Mock.on(GetPublicAccessBlockCommand).rejects(s3Error("NoSuchPublicAccessBlockConfiguration", 404));
    s3Mock.on(PutPublicAccessBlockCommand).resolves({});
    const out = await ex["aws.blockPublicAccess"]!.execute(block);
    expect(out.status).toBe("done");
    expect(s3Mock.commandCalls(PutPublicAccessBlockCommand)[0].args[0].input).toEqual({
      Bucket: "acme-prod-exports",
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(out.beforeState).toEqual({ configuration: null });

    s3Mock.reset();
    const all = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    };
    s3Mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: all });
    s3Mock.on(PutPublicAccessBlockCommand).resolves({});
    s3Mock.on(DeletePublicAccessBlockCommand).resolves({});
    expect((await ex["aws.blockPublicAccess"]!.execute(block)).status).toBe("noop");
    expect(s3Mock.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
    expect((await ex["aws.blockPublicAccess"]!.undo(block, out.beforeState)).status).toBe("undone");
    expect(s3Mock.commandCalls(DeletePublicAccessBlockCommand)[0].args[0].input).toEqual({
      Bucket: "acme-prod-exports",
    });
  });
});
