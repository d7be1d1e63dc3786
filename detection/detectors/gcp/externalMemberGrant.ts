import { type Detector, type FindingDraft, NO_FINDINGS } from "../../detector";
import type { Severity } from "../../model";
import { bucketSetIamPolicy, hierarchySetIamPolicy, PERMISSION_DENIED } from "./exampleRecords";
import {
  describeTarget,
  effectiveGrants,
  grantEvidence,
  isExternalMember,
  privilegedRoleReason,
} from "./gcpRules";

/**
 * A role granted to a member outside ctx.allowedDomains: a gmail.com account, another
 * company's domain, or a service account of a project that is not ours (rules in
 * gcpRules.isExternalMember). Skipped when allowedDomains is empty. Severity: high; critical
 * when the role is privileged (owner, editor, IAM-changing or admin roles).
 */
export const gcpExternalMemberGrant: Detector = {
  id: "gcp-external-member-grant",
  title: "Access granted to a member outside the organization",
  category: "policy_change",
  severity: "high",
  sources: ["gcp"],
  playbook: "remove-binding",
  match(event, ctx) {
    if (!ctx.allowedDomains.length) return NO_FINDINGS;
    const grants = effectiveGrants(event);
    if (!grants.length) return NO_FINDINGS;
    const out: FindingDraft[] = [];
    for (const g of grants) {
      if (!isExternalMember(g.member, ctx.allowedDomains, event.target.project)) continue;
      const privileged = privilegedRoleReason(g.role);
      const severity: Severity = privileged ? "critical" : "high";
      out.push({
        severity,
        discriminator: `${g.role}|${g.member}`,
        summary: `${event.actor.display} granted ${g.role} on ${describeTarget(event.target)} to external ${g.member}`,
        evidence: {
          ...grantEvidence(event, g),
          allowedDomains: ctx.allowedDomains,
          ...(privileged ? { why: privileged } : {}),
        },
      });
    }
    return out;
  },
  examples: {
    fire: [
      {
        name: "owner granted to a gmail.com account",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:mallory.ops@gmail.com"]]),
      },
      {
        name: "bucket reader granted to another company's group",
        record: bucketSetIamPolicy("acme-data", [
          ["ADD", "roles/storage.objectViewer", "group:data-team@partner-corp.io"],
        ]),
      },
      {
        name: "viewer granted to a service account of a foreign project",
        record: hierarchySetIamPolicy("project", [
          ["ADD", "roles/viewer", "serviceAccount:scanner@shady-tools-4411.iam.gserviceaccount.com"],
        ]),
      },
    ],
    quiet: [
      {
        name: "grant to a member of an allowed domain",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:bob@example.com"]]),
      },
      {
        name: "grant to a service account of the same project",
        record: hierarchySetIamPolicy("project", [
          ["ADD", "roles/viewer", "serviceAccount:reporting@acme-prod.iam.gserviceaccount.com"],
        ]),
      },
      {
        name: "gmail grant when no allowed domains are configured (check skipped)",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/viewer", "user:someone@gmail.com"]]),
        context: { allowedDomains: [] },
      },
      {
        name: "denied grant to a gmail.com account",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:mallory.ops@gmail.com"]], {
          status: PERMISSION_DENIED,
        }),
      },
    ],
  },
};
