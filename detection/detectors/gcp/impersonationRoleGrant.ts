import { type Detector, type FindingDraft, NO_FINDINGS } from "../../detector";
import type { Severity } from "../../model";
import { hierarchySetIamPolicy, logEntry, PROJECT, saEmail, serviceSetIamPolicy } from "./exampleRecords";
import { describeTarget, effectiveGrants, grantEvidence, IMPERSONATION_ROLES } from "./gcpRules";

/**
 * Token Creator, Service Account User, Workload Identity User (or OpenID Token Creator)
 * granted: the member can act as the service account(s). Severity: high on one service
 * account; critical on a project, folder or organization (every service account below).
 */
export const gcpImpersonationRoleGrant: Detector = {
  id: "gcp-impersonation-role-grant",
  title: "Service account impersonation role granted",
  category: "sa_impersonation",
  severity: "high",
  sources: ["gcp"],
  playbook: "remove-binding",
  match(event) {
    const grants = effectiveGrants(event);
    if (!grants.length) return NO_FINDINGS;
    const out: FindingDraft[] = [];
    for (const g of grants) {
      if (!IMPERSONATION_ROLES.has(g.role)) continue;
      const broad = event.target.level !== "resource";
      const severity: Severity = broad ? "critical" : "high";
      out.push({
        severity,
        discriminator: `${g.role}|${g.member}`,
        summary: broad
          ? `${event.actor.display} granted ${g.role} on ${describeTarget(event.target)} to ${g.member}: it can impersonate every service account there`
          : `${event.actor.display} granted ${g.role} on ${describeTarget(event.target)} to ${g.member}`,
        evidence: grantEvidence(event, g),
      });
    }
    return out;
  },
  examples: {
    fire: [
      {
        name: "Token Creator granted on the project",
        record: hierarchySetIamPolicy("project", [
          ["ADD", "roles/iam.serviceAccountTokenCreator", "user:henry@example.com"],
        ]),
      },
      {
        name: "Service Account User granted on one service account",
        record: logEntry({
          resourceType: "service_account",
          labels: { email_id: saEmail("deployer"), project_id: PROJECT, unique_id: "104218530276114452398" },
          serviceName: "iam.googleapis.com",
          methodName: "google.iam.admin.v1.SetIAMPolicy",
          resourceName: `projects/${PROJECT}/serviceAccounts/${saEmail("deployer")}`,
          permissions: [{ permission: "iam.serviceAccounts.setIamPolicy" }],
          serviceData: {
            "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
            policyDelta: {
              bindingDeltas: [
                { action: "ADD", role: "roles/iam.serviceAccountUser", member: "user:ivan@example.com" },
              ],
            },
          },
        }),
      },
    ],
    quiet: [
      {
        name: "Service Account Viewer granted",
        record: hierarchySetIamPolicy("project", [
          ["ADD", "roles/iam.serviceAccountViewer", "user:henry@example.com"],
        ]),
      },
      {
        name: "Token Creator removed",
        record: hierarchySetIamPolicy("project", [
          ["REMOVE", "roles/iam.serviceAccountTokenCreator", "user:henry@example.com"],
        ]),
      },
      {
        name: "Pub/Sub subscriber granted",
        record: serviceSetIamPolicy("pubsubTopic", "orders", [
          ["ADD", "roles/pubsub.subscriber", "user:henry@example.com"],
        ]),
      },
    ],
  },
};
