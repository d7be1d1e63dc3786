import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import { allDetectors } from "../../detection/detectors";
import {
  ALICE_ADMIN,
  assumeRoleCall,
  attachPolicy,
  awsAccount,
  consoleLogin,
  createUser,
  denied,
  EXTERNAL_ACCOUNT,
  iamCall,
  iamUser,
  MALLORY,
  OWN_ACCOUNT,
  ROOT,
  rootIdentity,
} from "../../detection/detectors/aws/exampleRecords";
import { managedPolicyAdminGrants } from "../../detection/detectors/aws/shared";
import type { Finding } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { awsManagedPolicies } from "../../detection/referenceData";
import { runDetectors } from "../../detection/runDetectors";

/** Feeds raw CloudTrail records in order through every detector; returns each record's findings. */
function run(records: unknown[], internalAccounts = [OWN_ACCOUNT]): Finding[][] {
  const state = new DetectionState({ internalAccounts });
  return records.map((r) => runDetectors(allDetectors, normalizeRecord(r), state));
}
const last = (records: unknown[], internal?: string[]) => run(records, internal).at(-1) ?? [];
const by = (findings: Finding[], detector: string) => findings.filter((f) => f.detector === detector);

describe("AWS detectors: severities a responder sees", () => {
  it("root sign-in: high with MFA, critical without, a failed attempt is medium and says so", () => {
    expect(
      by(last([consoleLogin(rootIdentity(), { mfa: true })]), "aws-root-console-login")[0].severity,
    ).toBe("high");
    const noMfa = by(last([consoleLogin(rootIdentity(), { mfa: false })]), "aws-root-console-login")[0];
    expect(noMfa.severity).toBe("critical");
    expect(noMfa.summary).toContain("without MFA");
    const failed = by(
      last([consoleLogin(rootIdentity(), { mfa: false, success: false })]),
      "aws-root-console-login",
    )[0];
    expect(failed.severity).toBe("medium");
    expect(failed.summary).toMatch(/^failed root console sign-in attempt/);
  });

  it("a key for a user the same admin just created is medium; for an existing user high", () => {
    const provisioned = last([
      createUser(ALICE_ADMIN, "svc-report"),
      iamCall(ALICE_ADMIN, "CreateAccessKey", { userName: "svc-report" }, { at: 60 }),
    ]);
    expect(by(provisioned, "aws-access-key-for-other-user")[0].severity).toBe("medium");
    const takeover = last([iamCall(MALLORY, "CreateAccessKey", { userName: "alice-admin" })]);
    const f = by(takeover, "aws-access-key-for-other-user")[0];
    expect(f.severity).toBe("high");
    // The deactivate-access-key playbook reads the user name from the evidence.
    expect(f.evidence).toMatchObject({ userName: "alice-admin", account: OWN_ACCOUNT });
  });

  it("trust policy: Principal * is critical, an outside account high, a vendor with an external id medium", () => {
    const trust = (principal: unknown, condition?: unknown) =>
      iamCall(MALLORY, "UpdateAssumeRolePolicy", {
        roleName: "ops",
        policyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: principal,
              Action: "sts:AssumeRole",
              ...(condition ? { Condition: condition } : {}),
            },
          ],
        }),
      });
    const sev = (r: unknown) => by(last([r]), "aws-trust-policy-external")[0]?.severity;
    expect(sev(trust({ AWS: "*" }))).toBe("critical");
    expect(sev(trust({ AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:root` }))).toBe("high");
    expect(sev(trust({ AWS: EXTERNAL_ACCOUNT }, { StringEquals: { "sts:ExternalId": "x1" } }))).toBe(
      "medium",
    );
    const f = by(
      last([trust({ AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:root` })]),
      "aws-trust-policy-external",
    )[0];
    // restore-trust-policy removes the statements naming these principals.
    expect(f.evidence).toMatchObject({
      roleName: "ops",
      principals: [`arn:aws:iam::${EXTERNAL_ACCOUNT}:root`],
    });
  });

  it("root API calls: every change reported, read-only calls once per session, root keys critical", () => {
    const out = run([
      iamCall(ROOT, "ListUsers", null),
      iamCall(ROOT, "ListRoles", null, { at: 10 }),
      iamCall(ROOT, "CreateUser", { userName: "backdoor" }, { at: 20 }),
    ]).map((fs) => by(fs, "aws-root-api-call").length);
    expect(out).toEqual([1, 0, 1]);
    const key = by(
      last([iamCall(rootIdentity({ accessKeyId: "AKIAROOTKEYEXAMPLE01" }), "ListUsers", null)]),
      "aws-root-api-call",
    )[0];
    expect(key.severity).toBe("critical");
    expect(key.summary).toContain("root access key");
  });
});

describe("AWS detectors: what the detection state learns", () => {
  it("a user given AdministratorAccess is privileged from then on: its MFA-less sign-in fires", () => {
    const login = consoleLogin(iamUser("dave"), { mfa: false, at: 600 });
    expect(by(last([login]), "aws-console-login-without-mfa")).toEqual([]);
    const after = last([
      attachPolicy(MALLORY, "User", "dave", "arn:aws:iam::aws:policy/AdministratorAccess"),
      login,
    ]);
    const f = by(after, "aws-console-login-without-mfa")[0];
    expect(f.evidence.privileged).toBe("was given admin-grade access earlier");
  });

  it("a group that received admin from another actor is privileged for everyone's later changes", () => {
    const out = run([
      attachPolicy(ALICE_ADMIN, "Group", "ops", "arn:aws:iam::aws:policy/AdministratorAccess"),
      iamCall(MALLORY, "AddUserToGroup", { groupName: "ops", userName: "mallory" }, { at: 60 }),
      iamCall(MALLORY, "RemoveUserFromGroup", { groupName: "ops", userName: "alice-admin" }, { at: 90 }),
    ]);
    expect(by(out[1], "aws-privileged-group-membership")).toHaveLength(1);
    expect(by(out[2], "aws-privileged-group-change")[0].evidence.privilegedBecause).toBe(
      "learned from an earlier admin policy attachment",
    );
  });

  it("an outside account assuming a role is reported the first time only", () => {
    const role = `arn:aws:iam::${OWN_ACCOUNT}:role/ops`;
    const out = run([
      assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), role, "a"),
      assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), role, "b", { at: 60 }),
      assumeRoleCall(awsAccount("555566667777"), role, "c", { at: 120 }),
    ]).map((fs) => by(fs, "aws-assume-role-external").length);
    expect(out).toEqual([1, 0, 1]);
  });
});

describe("AWS detectors: failed calls are never reported as changes", () => {
  const refused: [string, Record<string, unknown>][] = [
    [
      "CreateAccessKey",
      denied({
        identity: MALLORY,
        eventSource: "iam.amazonaws.com",
        eventName: "CreateAccessKey",
        requestParameters: { userName: "alice-admin" },
      }),
    ],
    [
      "UpdateLoginProfile",
      denied({
        identity: MALLORY,
        eventSource: "iam.amazonaws.com",
        eventName: "UpdateLoginProfile",
        requestParameters: { userName: "alice-admin" },
      }),
    ],
    [
      "StopLogging",
      denied({
        identity: MALLORY,
        eventSource: "cloudtrail.amazonaws.com",
        eventName: "StopLogging",
        requestParameters: { name: "org-trail" },
      }),
    ],
    [
      "DeleteDetector",
      denied({
        identity: MALLORY,
        eventSource: "guardduty.amazonaws.com",
        eventName: "DeleteDetector",
        requestParameters: { detectorId: "d1" },
      }),
    ],
    [
      "DeactivateMFADevice",
      denied({
        identity: MALLORY,
        eventSource: "iam.amazonaws.com",
        eventName: "DeactivateMFADevice",
        requestParameters: {
          userName: "alice-admin",
          serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin",
        },
      }),
    ],
    [
      "CreateUser",
      denied({
        identity: MALLORY,
        eventSource: "iam.amazonaws.com",
        eventName: "CreateUser",
        requestParameters: { userName: "x" },
      }),
    ],
    [
      "AssumeRole",
      assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), `arn:aws:iam::${OWN_ACCOUNT}:role/ops`, "p", {
        errorCode: "AccessDenied",
      }),
    ],
    [
      "PutKeyPolicy",
      denied({
        identity: MALLORY,
        eventSource: "kms.amazonaws.com",
        eventName: "PutKeyPolicy",
        requestParameters: {
          keyId: "k",
          policyName: "default",
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
          }),
        },
      }),
    ],
  ];
  it.each(refused)("refused %s yields no AWS finding except recon", (_name, record) => {
    const findings = last([record]).filter((f) => f.detector.startsWith("aws-"));
    expect(findings.filter((f) => f.category !== "recon")).toEqual([]);
  });
});

// Speed lives in `npm run bench` (detection section), never in timed tests.
describe("AWS managed policies judged from the reference data", () => {
  it("finds the admin-grade ones and not the read-only ones", () => {
    const policies = awsManagedPolicies();
    const admin = Object.entries(policies)
      .filter(([name, p]) => managedPolicyAdminGrants(p.arn ?? name).length > 0)
      .map(([name]) => name);
    expect(admin).toEqual(
      expect.arrayContaining(["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]),
    );
    expect(admin).not.toContain("ReadOnlyAccess");
    expect(admin).not.toContain("ViewOnlyAccess");
  });
});
