import { describe, expect, it } from "vitest";
import { broadGrants, parsePolicyDocument, publicStatements } from "../../detection/awsPolicy";
import { IamEventSchema } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { normalizeCloudTrailRecord, servicePrefix } from "../../detection/normalize/awsCloudTrail";
import { awsDetails } from "../../detection/normalize/awsDetails";

/** A CloudTrail record in the documented shape; fields overridable per test. */
function record(over: Record<string, unknown>): Record<string, unknown> {
  return {
    eventVersion: "1.08",
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAJ45Q7YFFAREXAMPLE",
      arn: "arn:aws:iam::111122223333:user/Alice",
      accountId: "111122223333",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      userName: "Alice",
    },
    eventTime: "2026-03-02T10:15:00Z",
    eventSource: "iam.amazonaws.com",
    eventName: "ListUsers",
    awsRegion: "us-east-1",
    sourceIPAddress: "203.0.113.24",
    userAgent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0",
    requestParameters: null,
    responseElements: null,
    requestID: "3c9b2f4e-8f1a-4c55-9d0a-2b6f7e1a9c01",
    eventID: "a1b2c3d4-1111-4222-8333-444455556666",
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: "111122223333",
    eventCategory: "Management",
    ...over,
  };
}

describe("CloudTrail record → IamEvent: identities", () => {
  it("IAM user: ARN is the id, user name the display, account kept", () => {
    const e = normalizeCloudTrailRecord(record({}));
    expect(IamEventSchema.parse(e)).toEqual(e);
    expect(e.actor).toMatchObject({
      id: "arn:aws:iam::111122223333:user/Alice",
      kind: "user",
      display: "Alice",
      account: "111122223333",
    });
    expect(e).toMatchObject({
      id: "a1b2c3d4-1111-4222-8333-444455556666",
      source: "aws",
      time: "2026-03-02T10:15:00.000Z",
      action: "ListUsers",
      service: "iam.amazonaws.com",
      success: true,
      sourceIp: "203.0.113.24",
      permissionsUsed: ["iam:ListUsers"],
    });
    expect(awsDetails(e)).toMatchObject({ identityType: "IAMUser", readOnly: true, region: "us-east-1" });
  });

  it("assumed role: the actor is the role ARN, the session name and MFA flag are kept", () => {
    const e = normalizeCloudTrailRecord(
      record({
        userIdentity: {
          type: "AssumedRole",
          principalId: "AROAIDPPEZS35WEXAMPLE:ops-session",
          arn: "arn:aws:sts::111122223333:assumed-role/OpsAdmin/ops-session",
          accountId: "111122223333",
          accessKeyId: "ASIAIOSFODNN7EXAMPLE",
          sessionContext: {
            sessionIssuer: {
              type: "Role",
              principalId: "AROAIDPPEZS35WEXAMPLE",
              arn: "arn:aws:iam::111122223333:role/admin/OpsAdmin",
              accountId: "111122223333",
              userName: "OpsAdmin",
            },
            webIdFederationData: {},
            attributes: { mfaAuthenticated: "true", creationDate: "2026-03-02T09:00:00Z" },
          },
        },
      }),
    );
    expect(e.actor).toMatchObject({
      id: "arn:aws:iam::111122223333:role/admin/OpsAdmin",
      kind: "role",
      sessionName: "ops-session",
      mfa: true,
      display: "OpsAdmin/ops-session",
    });
    expect(e.actor.delegationChain).toContain("arn:aws:sts::111122223333:assumed-role/OpsAdmin/ops-session");
  });

  it("assumed role without a session issuer still resolves to the role ARN", () => {
    const e = normalizeCloudTrailRecord(
      record({
        userIdentity: {
          type: "AssumedRole",
          principalId: "AROAIDPPEZS35WEXAMPLE:s1",
          arn: "arn:aws:sts::111122223333:assumed-role/Reader/s1",
          accountId: "111122223333",
        },
      }),
    );
    expect(e.actor.id).toBe("arn:aws:iam::111122223333:role/Reader");
    expect(e.actor.mfa).toBeUndefined();
  });

  it("root, federated user, AWS service, other account, Identity Center, SAML and web identity", () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [
        {
          type: "Root",
          principalId: "111122223333",
          arn: "arn:aws:iam::111122223333:root",
          accountId: "111122223333",
          accessKeyId: "",
        },
        { id: "arn:aws:iam::111122223333:root", kind: "root" },
      ],
      [
        {
          type: "FederatedUser",
          principalId: "111122223333:Bob",
          arn: "arn:aws:sts::111122223333:federated-user/Bob",
          accountId: "111122223333",
          accessKeyId: "ASIAIOSFODNN7EXAMPLE",
          sessionContext: {
            sessionIssuer: {
              type: "IAMUser",
              principalId: "AIDAJ45Q7YFFAREXAMPLE",
              arn: "arn:aws:iam::111122223333:user/Alice",
              accountId: "111122223333",
              userName: "Alice",
            },
            attributes: { mfaAuthenticated: "false", creationDate: "2026-03-02T09:00:00Z" },
          },
        },
        {
          id: "arn:aws:sts::111122223333:federated-user/Bob",
          kind: "federated",
          sessionName: "Bob",
          mfa: false,
          delegationChain: ["arn:aws:iam::111122223333:user/Alice"],
        },
      ],
      [
        { type: "AWSService", invokedBy: "cloudtrail.amazonaws.com" },
        { id: "cloudtrail.amazonaws.com", kind: "service" },
      ],
      [
        { type: "AWSAccount", principalId: "AIDAEXTERNALEXAMPLE01", accountId: "444455556666" },
        { id: "arn:aws:iam::444455556666:root", kind: "unknown", account: "444455556666" },
      ],
      [
        {
          type: "IdentityCenterUser",
          accountId: "111122223333",
          onBehalfOf: {
            userId: "544894e8-80c1-707f-60e3-3ba6510dfac1",
            identityStoreArn: "arn:aws:identitystore::111122223333:identitystore/d-9067642ac7",
          },
          credentialId: "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
        },
        {
          id: "arn:aws:identitystore::111122223333:identitystore/d-9067642ac7/user/544894e8-80c1-707f-60e3-3ba6510dfac1",
          kind: "user",
        },
      ],
      [
        {
          type: "SAMLUser",
          principalId: "SampleUkh1i4+ExamplexL/jEvs=:SamlExample",
          userName: "SamlExample",
          identityProvider: "bdGOnTesti4+ExamplexL/jEvs=",
        },
        { id: "saml:bdGOnTesti4+ExamplexL/jEvs=:SamlExample", kind: "federated" },
      ],
      [
        {
          type: "WebIdentityUser",
          principalId: "accounts.google.com:app-id.apps.googleusercontent.com:user-id",
          userName: "user-id",
          identityProvider: "accounts.google.com",
        },
        { id: "web-identity:accounts.google.com:user-id", kind: "federated" },
      ],
    ];
    for (const [userIdentity, expected] of cases) {
      const e = normalizeCloudTrailRecord(record({ userIdentity }));
      expect(e.actor, String(userIdentity.type)).toMatchObject(expected);
    }
  });
});

describe("CloudTrail record → IamEvent: IAM changes", () => {
  it("AttachUserPolicy grants the policy ARN to the user; Detach revokes it", () => {
    const req = { userName: "bob", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" };
    const attach = normalizeCloudTrailRecord(
      record({ eventName: "AttachUserPolicy", requestParameters: req, readOnly: false }),
    );
    expect(attach.target).toMatchObject({
      kind: "user",
      id: "arn:aws:iam::111122223333:user/bob",
      project: "111122223333",
      level: "resource",
    });
    expect(attach.grants).toEqual([
      { role: "arn:aws:iam::aws:policy/AdministratorAccess", member: "arn:aws:iam::111122223333:user/bob" },
    ]);
    expect(awsDetails(attach)).toMatchObject({ userName: "bob", policyArn: req.policyArn });
    const detach = normalizeCloudTrailRecord(
      record({
        eventName: "DetachRolePolicy",
        requestParameters: { roleName: "app", policyArn: req.policyArn },
      }),
    );
    expect(detach.grants).toEqual([]);
    expect(detach.revokes[0].member).toBe("arn:aws:iam::111122223333:role/app");
  });

  it("PutRolePolicy parses the URL-encoded policy document it carries", () => {
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }] };
    const e = normalizeCloudTrailRecord(
      record({
        eventName: "PutRolePolicy",
        requestParameters: {
          roleName: "app",
          policyName: "escalate",
          policyDocument: encodeURIComponent(JSON.stringify(doc)),
        },
      }),
    );
    expect(e.policyDocuments).toEqual([{ name: "escalate", document: doc }]);
    expect(e.grants).toEqual([{ role: "escalate", member: "arn:aws:iam::111122223333:role/app" }]);
    expect(broadGrants(parsePolicyDocument(e.policyDocuments[0].document))[0].kind).toBe("iam-all");
  });

  it("CreatePolicyVersion keeps plain JSON documents and setAsDefault", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
    };
    const e = normalizeCloudTrailRecord(
      record({
        eventName: "CreatePolicyVersion",
        requestParameters: {
          policyArn: "arn:aws:iam::111122223333:policy/app",
          policyDocument: JSON.stringify(doc),
          setAsDefault: true,
        },
      }),
    );
    expect(e.target).toMatchObject({ kind: "policy", id: "arn:aws:iam::111122223333:policy/app" });
    expect(e.policyDocuments[0].document).toEqual({ Version: "2012-10-17", Statement: [doc.Statement] });
    expect(awsDetails(e).setAsDefault).toBe(true);
  });

  it("CreateAccessKey for another user names that user and the new key id", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventName: "CreateAccessKey",
        requestParameters: { userName: "bob" },
        responseElements: {
          accessKey: {
            userName: "bob",
            accessKeyId: "AKIAI44QH8DHBEXAMPLE",
            status: "Active",
            createDate: "Mar 2, 2026 10:15:00 AM",
          },
        },
      }),
    );
    expect(e.target.id).toBe("arn:aws:iam::111122223333:user/bob");
    expect(awsDetails(e)).toMatchObject({
      accessKeyId: "AKIAI44QH8DHBEXAMPLE",
      selfTarget: false,
      userName: "bob",
    });
  });

  it("CreateRole parses the trust policy; AddUserToGroup grants group membership", () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: "sts:AssumeRole" },
      ],
    };
    const role = normalizeCloudTrailRecord(
      record({
        eventName: "CreateRole",
        requestParameters: { roleName: "vendor", assumeRolePolicyDocument: JSON.stringify(trust) },
        responseElements: { role: { arn: "arn:aws:iam::111122223333:role/vendor", roleName: "vendor" } },
      }),
    );
    expect(role.policyDocuments).toEqual([{ name: "AssumeRolePolicyDocument", document: trust }]);
    const add = normalizeCloudTrailRecord(
      record({ eventName: "AddUserToGroup", requestParameters: { groupName: "Admins", userName: "bob" } }),
    );
    expect(add.grants).toEqual([
      { role: "arn:aws:iam::111122223333:group/Admins", member: "arn:aws:iam::111122223333:user/bob" },
    ]);
  });

  it("a failed call is success=false with its error and grants nothing", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventName: "AttachUserPolicy",
        errorCode: "AccessDenied",
        errorMessage:
          "User: arn:aws:iam::111122223333:user/Alice is not authorized to perform: iam:AttachUserPolicy",
        requestParameters: { userName: "bob", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      }),
    );
    expect(e.success).toBe(false);
    expect(e.errorCode).toBe("AccessDenied");
    expect(e.errorMessage).toContain("not authorized");
    expect(e.grants).toEqual([]);
  });

  it("a refused malformed policy document keeps the event and notes the problem", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventName: "PutUserPolicy",
        errorCode: "MalformedPolicyDocumentException",
        requestParameters: { userName: "bob", policyName: "p", policyDocument: "{not json" },
      }),
    );
    expect(e.success).toBe(false);
    expect(awsDetails(e).policyDocumentErrors?.[0]).toMatch(/not valid JSON/);
  });
});

describe("CloudTrail record → IamEvent: S3, sharing, logging, sign-in, STS", () => {
  it("PutBucketPolicy parses the bucket policy object", () => {
    const bucketPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Public",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::site/*",
        },
      ],
    };
    const e = normalizeCloudTrailRecord(
      record({
        eventSource: "s3.amazonaws.com",
        eventName: "PutBucketPolicy",
        awsRegion: "eu-west-1",
        requestParameters: {
          bucketPolicy,
          bucketName: "site",
          Host: "site.s3.eu-west-1.amazonaws.com",
          policy: [""],
        },
      }),
    );
    expect(e.target).toMatchObject({ kind: "bucket", id: "arn:aws:s3:::site", project: "111122223333" });
    expect(publicStatements(parsePolicyDocument(e.policyDocuments[0].document))).toHaveLength(1);
    expect(e.permissionsUsed).toEqual(["s3:PutBucketPolicy"]);
  });

  it("PutBucketAcl grants to AllUsers / AuthenticatedUsers become allUsers / allAuthenticatedUsers", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventSource: "s3.amazonaws.com",
        eventName: "PutBucketAcl",
        requestParameters: {
          bucketName: "site",
          Host: "site.s3.amazonaws.com",
          acl: [""],
          AccessControlPolicy: {
            AccessControlList: {
              Grant: [
                {
                  Grantee: {
                    "xsi:type": "CanonicalUser",
                    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                    ID: "79a59df900b949e55d96a1e698fbaced",
                  },
                  Permission: "FULL_CONTROL",
                },
                {
                  Grantee: {
                    "xsi:type": "Group",
                    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                    URI: "http://acs.amazonaws.com/groups/global/AllUsers",
                  },
                  Permission: "READ",
                },
              ],
            },
            xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
            Owner: { ID: "79a59df900b949e55d96a1e698fbaced" },
          },
        },
      }),
    );
    expect(e.grants).toContainEqual({ role: "READ", member: "allUsers" });
    const headers = normalizeCloudTrailRecord(
      record({
        eventSource: "s3.amazonaws.com",
        eventName: "PutObjectAcl",
        requestParameters: {
          bucketName: "site",
          key: "index.html",
          "x-amz-grant-read": ['uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"'],
        },
      }),
    );
    expect(headers.target).toMatchObject({ kind: "object", id: "arn:aws:s3:::site/index.html" });
    expect(headers.grants).toEqual([{ role: "READ", member: "allAuthenticatedUsers" }]);
  });

  it("account-level public access block is an account target", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventSource: "s3.amazonaws.com",
        eventName: "PutAccountPublicAccessBlock",
        requestParameters: {
          PublicAccessBlockConfiguration: {
            xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
            BlockPublicAcls: false,
            IgnorePublicAcls: false,
            BlockPublicPolicy: false,
            RestrictPublicBuckets: false,
          },
          Host: "111122223333.s3-control.eu-west-1.amazonaws.com",
        },
      }),
    );
    expect(e.target).toMatchObject({ kind: "account", id: "111122223333", level: "account" });
    expect(awsDetails(e).publicAccessBlock).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
  });

  it("snapshot shared with all is a grant to allUsers", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventSource: "ec2.amazonaws.com",
        eventName: "ModifySnapshotAttribute",
        awsRegion: "eu-west-1",
        requestParameters: {
          snapshotId: "snap-0b1c2d3e4f5a6b7c8",
          createVolumePermission: { add: { items: [{ group: "all" }] } },
          attributeType: "CREATE_VOLUME_PERMISSION",
        },
      }),
    );
    expect(e.grants).toEqual([{ role: "createVolumePermission", member: "allUsers" }]);
    expect(awsDetails(e).sharedWith).toEqual(["all"]);
  });

  it("PutEventSelectors that drops management events is flagged in details", () => {
    const e = normalizeCloudTrailRecord(
      record({
        eventSource: "cloudtrail.amazonaws.com",
        eventName: "PutEventSelectors",
        requestParameters: {
          trailName: "org-trail",
          eventSelectors: [{ readWriteType: "All", includeManagementEvents: false, dataResources: [] }],
        },
      }),
    );
    expect(e.target.kind).toBe("trail");
    expect(awsDetails(e).managementEventsExcluded).toBe(true);
  });

  it("ConsoleLogin: MFAUsed and Failure (which carries no errorCode) are read", () => {
    const login = (outcome: string, mfa: string) =>
      normalizeCloudTrailRecord(
        record({
          eventSource: "signin.amazonaws.com",
          eventName: "ConsoleLogin",
          eventType: "AwsConsoleSignIn",
          responseElements: { ConsoleLogin: outcome },
          additionalEventData: {
            LoginTo: "https://console.aws.amazon.com/console/home",
            MobileVersion: "No",
            MFAUsed: mfa,
          },
          ...(outcome === "Failure" ? { errorMessage: "Failed authentication" } : {}),
        }),
      );
    const ok = login("Success", "No");
    expect(ok.success).toBe(true);
    expect(ok.actor.mfa).toBe(false);
    expect(awsDetails(ok)).toMatchObject({ consoleLogin: "Success", mfaUsed: false });
    expect(ok.target.level).toBe("account");
    expect(login("Failure", "No").success).toBe(false);
  });

  it("sts:AssumeRole from another account is cross-account and targets the role", () => {
    const e = normalizeCloudTrailRecord(
      record({
        userIdentity: { type: "AWSAccount", principalId: "AIDAEXTERNALEXAMPLE01", accountId: "444455556666" },
        eventSource: "sts.amazonaws.com",
        eventName: "AssumeRole",
        requestParameters: {
          roleArn: "arn:aws:iam::111122223333:role/vendor",
          roleSessionName: "vendor-sync",
        },
        responseElements: {
          assumedRoleUser: {
            assumedRoleId: "AROAEXAMPLE:vendor-sync",
            arn: "arn:aws:sts::111122223333:assumed-role/vendor/vendor-sync",
          },
        },
      }),
    );
    expect(e.target).toMatchObject({
      kind: "role",
      id: "arn:aws:iam::111122223333:role/vendor",
      project: "111122223333",
    });
    expect(awsDetails(e)).toMatchObject({
      crossAccount: true,
      callerAccount: "444455556666",
      roleSessionName: "vendor-sync",
    });
  });

  it("maps event sources to IAM service prefixes where they differ", () => {
    expect(servicePrefix("monitoring.amazonaws.com")).toBe("cloudwatch");
    expect(servicePrefix("iam.amazonaws.com")).toBe("iam");
    expect(servicePrefix("s3.amazonaws.com")).toBe("s3");
    const e = normalizeCloudTrailRecord(
      record({
        eventSource: "monitoring.amazonaws.com",
        eventName: "DeleteAlarms",
        requestParameters: { alarmNames: ["a"] },
      }),
    );
    expect(e.permissionsUsed).toEqual(["cloudwatch:DeleteAlarms"]);
  });
});

describe("CloudTrail record → IamEvent: malformed input", () => {
  it("throws an Error naming the missing or wrong field", () => {
    const { eventID: _, ...noId } = record({});
    expect(() => normalizeCloudTrailRecord(noId)).toThrow(/eventID/);
    expect(() => normalizeCloudTrailRecord(record({ eventTime: "yesterday" }))).toThrow(/eventTime/);
    expect(() => normalizeCloudTrailRecord(record({ userIdentity: "root" }))).toThrow(/userIdentity/);
    expect(() => normalizeCloudTrailRecord(null)).toThrow(/malformed CloudTrail record/);
  });

  it("the dispatcher routes CloudTrail records here", () => {
    expect(normalizeRecord(record({})).source).toBe("aws");
  });
});
