import {
  type AwsPolicy,
  hasRestrictingCondition,
  principalAccount,
  statementCoversAction,
  statementPrincipals,
} from "../../awsPolicy";
import { actionIn, type Detector } from "../../detector";
import type { Severity } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import {
  ALICE_ADMIN,
  DEPLOY_ROLE,
  denied,
  EXTERNAL_ACCOUNT,
  iamCall,
  MALLORY,
  OWN_ACCOUNT,
} from "./exampleRecords";
import { isCall, parsedDocs } from "./shared";

const GITHUB_OIDC = "token.actions.githubusercontent.com";

export interface RiskyTrust {
  principal: string;
  /** "*" for anyone, the account id for another account, the provider for federation. */
  who: string;
  why: string;
  severity: Severity;
}

function conditionKeys(cond: Record<string, unknown> | undefined): string[] {
  if (!cond) return [];
  return Object.values(cond).flatMap((block) =>
    typeof block === "object" && block !== null ? Object.keys(block).map((k) => k.toLowerCase()) : [],
  );
}

/**
 * Principals a trust policy lets assume the role that sit outside the organization: everyone
 * ("*" without a condition pinning account, organization or network), accounts that are neither
 * the role's own nor internal (medium when an sts:ExternalId is required: the third-party
 * pattern), and GitHub Actions OIDC without a `sub` condition (any repository could assume it).
 */
export function riskyTrust(
  policy: AwsPolicy,
  own: string | undefined,
  internal: readonly string[],
): RiskyTrust[] {
  const out: RiskyTrust[] = [];
  for (const s of policy.Statement) {
    if (s.Effect !== "Allow") continue;
    const assumes = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"].some((a) =>
      statementCoversAction(s, a),
    );
    if (!assumes) continue;
    const keys = conditionKeys(s.Condition);
    const externalId = keys.includes("sts:externalid");
    for (const p of statementPrincipals(s)) {
      if (p.type === "AWS") {
        const account = principalAccount(p.value);
        if (account === "*") {
          if (hasRestrictingCondition(s)) continue;
          out.push({ principal: p.value, who: "*", why: "any AWS principal", severity: "critical" });
        } else if (account && account !== own && !internal.includes(account)) {
          out.push({
            principal: p.value,
            who: account,
            why: `external account ${account}${externalId ? " (with an external id)" : ""}`,
            severity: externalId ? "medium" : "high",
          });
        }
      } else if (p.type === "Federated" && p.value.endsWith(GITHUB_OIDC)) {
        if (!keys.includes(`${GITHUB_OIDC}:sub`)) {
          out.push({
            principal: p.value,
            who: GITHUB_OIDC,
            why: "GitHub Actions OIDC without a sub (repository) condition",
            severity: "high",
          });
        }
      }
    }
  }
  return out;
}

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/**
 * CreateRole / UpdateAssumeRolePolicy whose trust policy lets in someone outside the
 * organization: anyone, another account, or GitHub Actions without a repository condition.
 * Internal accounts are INTERNAL_ACCOUNTS plus the role's own account.
 */
export const awsTrustPolicyExternal: Detector = {
  id: "aws-trust-policy-external",
  title: "Role trust policy lets in an outside principal",
  category: "cross_account",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("CreateRole", "UpdateAssumeRolePolicy"),
  playbook: "restore-trust-policy",
  match(event, ctx) {
    if (!event.success || !isCall(event, "iam", "CreateRole", "UpdateAssumeRolePolicy")) return [];
    const own = event.target.project;
    const risky = parsedDocs(event).flatMap((d) => riskyTrust(d.policy, own, ctx.internalAccounts));
    if (!risky.length) return [];
    const worst = risky.reduce((a, b) => (RANK[b.severity] > RANK[a.severity] ? b : a));
    const roleName = awsDetails(event).roleName ?? event.target.id;
    const whom = [...new Set(risky.map((r) => r.why))].join(", ");
    return [
      {
        severity: worst.severity,
        summary: `${event.actor.display} ${event.action === "CreateRole" ? "created role" : "changed the trust policy of role"} ${roleName} to trust ${whom}`,
        evidence: {
          roleName,
          role: event.target.id,
          account: own,
          principals: [...new Set(risky.map((r) => r.principal))],
          trusted: risky,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "trust policy updated to an outside account",
        record: iamCall(MALLORY, "UpdateAssumeRolePolicy", {
          roleName: "OrganizationAccountAccessRole",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${OWN_ACCOUNT}:root` },
                Action: "sts:AssumeRole",
              },
              {
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:user/ext` },
                Action: "sts:AssumeRole",
              },
            ],
          }),
        }),
      },
      {
        name: "role created trusting Principal * (critical)",
        record: iamCall(
          DEPLOY_ROLE,
          "CreateRole",
          {
            roleName: "debug-access",
            assumeRolePolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
            }),
          },
          {
            responseElements: {
              role: { roleName: "debug-access", arn: `arn:aws:iam::${OWN_ACCOUNT}:role/debug-access` },
            },
          },
        ),
      },
      {
        name: "vendor account with an external id (medium)",
        record: iamCall(ALICE_ADMIN, "CreateRole", {
          roleName: "DatadogIntegration",
          assumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::464622532012:root" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": "b5f2c1d0e9a84c7f" } },
              },
            ],
          }),
        }),
      },
      {
        name: "GitHub Actions OIDC trusted without a repository condition",
        record: iamCall(DEPLOY_ROLE, "UpdateAssumeRolePolicy", {
          roleName: "gha-deploy",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: {
                  Federated: `arn:aws:iam::${OWN_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
                },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                  StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                },
              },
            ],
          }),
        }),
      },
    ],
    quiet: [
      {
        name: "role trusting a service and the own account",
        record: iamCall(ALICE_ADMIN, "CreateRole", {
          roleName: "lambda-exec",
          assumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
              {
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${OWN_ACCOUNT}:role/ops` },
                Action: "sts:AssumeRole",
              },
            ],
          }),
        }),
      },
      {
        name: "trust of another internal account",
        context: { internalAccounts: [OWN_ACCOUNT, "222233334444"] },
        record: iamCall(ALICE_ADMIN, "UpdateAssumeRolePolicy", {
          roleName: "audit-read",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::222233334444:root" },
                Action: "sts:AssumeRole",
              },
            ],
          }),
        }),
      },
      {
        name: "Principal * pinned to the organization",
        record: iamCall(ALICE_ADMIN, "UpdateAssumeRolePolicy", {
          roleName: "org-read",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
              },
            ],
          }),
        }),
      },
      {
        name: "GitHub OIDC pinned to one repository",
        record: iamCall(DEPLOY_ROLE, "UpdateAssumeRolePolicy", {
          roleName: "gha-deploy",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: {
                  Federated: `arn:aws:iam::${OWN_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
                },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                  StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                  StringLike: {
                    "token.actions.githubusercontent.com:sub": "repo:example-org/infra:ref:refs/heads/main",
                  },
                },
              },
            ],
          }),
        }),
      },
      {
        name: "outside trust that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "UpdateAssumeRolePolicy",
          requestParameters: {
            roleName: "OrganizationAccountAccessRole",
            policyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:root` },
                  Action: "sts:AssumeRole",
                },
              ],
            }),
          },
        }),
      },
    ],
  },
};
