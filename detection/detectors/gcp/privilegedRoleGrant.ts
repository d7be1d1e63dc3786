import { type Detector, type FindingDraft, NO_FINDINGS } from "../../detector";
import { bucketSetIamPolicy, hierarchySetIamPolicy, PROJECT, serviceSetIamPolicy } from "./exampleRecords";
import {
  describeTarget,
  effectiveGrants,
  grantEvidence,
  IMPERSONATION_ROLES,
  isServiceAgentGrant,
  PRIMITIVE_ADMIN_ROLES,
  privilegedRoleReason,
  raiseAtHierarchy,
} from "./gcpRules";

/**
 * A predefined role the reference data shows is privileged (can set IAM policies, flagged as a
 * privilege-escalation path, or an *.admin role) granted to anyone. roles/owner and
 * roles/editor are gcp-owner-editor-grant's, impersonation roles gcp-impersonation-role-grant's,
 * and Google's own service-agent bindings are left alone. Severity: high; critical at
 * organization or folder level.
 */
export const gcpPrivilegedRoleGrant: Detector = {
  id: "gcp-privileged-role-grant",
  title: "Privileged (IAM-changing or admin) role granted",
  category: "admin_grant",
  severity: "high",
  sources: ["gcp"],
  playbook: "remove-binding",
  match(event) {
    const grants = effectiveGrants(event);
    if (!grants.length) return NO_FINDINGS;
    const out: FindingDraft[] = [];
    for (const g of grants) {
      if (PRIMITIVE_ADMIN_ROLES.has(g.role) || IMPERSONATION_ROLES.has(g.role) || isServiceAgentGrant(g))
        continue;
      const why = privilegedRoleReason(g.role);
      if (!why) continue;
      out.push({
        severity: raiseAtHierarchy("high", event.target),
        discriminator: `${g.role}|${g.member}`,
        summary: `${event.actor.display} granted ${g.role} on ${describeTarget(event.target)} to ${g.member}`,
        evidence: { ...grantEvidence(event, g), why },
      });
    }
    return out;
  },
  examples: {
    fire: [
      {
        name: "Security Admin granted on the project",
        record: hierarchySetIamPolicy("project", [
          ["ADD", "roles/iam.securityAdmin", "user:dave@example.com"],
        ]),
      },
      {
        name: "Storage Admin granted on a bucket (can rewrite the bucket policy)",
        record: bucketSetIamPolicy("acme-data", [
          ["ADD", "roles/storage.admin", "serviceAccount:etl@acme-prod.iam.gserviceaccount.com"],
        ]),
      },
      {
        name: "Organization Admin granted at the organization",
        record: hierarchySetIamPolicy("organization", [
          ["ADD", "roles/resourcemanager.organizationAdmin", "user:erin@example.com"],
        ]),
      },
    ],
    quiet: [
      {
        name: "Logs Viewer granted (read-only)",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/logging.viewer", "group:sre@example.com"]]),
      },
      {
        name: "Google grants a service agent its own role when an API is enabled",
        record: hierarchySetIamPolicy(
          "project",
          [
            [
              "ADD",
              "roles/run.serviceAgent",
              "serviceAccount:service-908712345678@serverless-robot-prod.iam.gserviceaccount.com",
            ],
          ],
          { principal: "service-908712345678@gcp-sa-cloudbuild.iam.gserviceaccount.com" },
        ),
      },
      {
        name: "Storage Admin removed",
        record: bucketSetIamPolicy("acme-data", [
          ["REMOVE", "roles/storage.admin", `serviceAccount:etl@${PROJECT}.iam.gserviceaccount.com`],
        ]),
      },
      {
        name: "Pub/Sub publisher granted on a topic",
        record: serviceSetIamPolicy("pubsubTopic", "orders", [
          ["ADD", "roles/pubsub.publisher", "serviceAccount:checkout@acme-prod.iam.gserviceaccount.com"],
        ]),
      },
    ],
  },
};
