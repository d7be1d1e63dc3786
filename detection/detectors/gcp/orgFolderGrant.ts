import { type Detector, type FindingDraft, NO_FINDINGS } from "../../detector";
import { hierarchySetIamPolicy } from "./exampleRecords";
import {
  describeTarget,
  effectiveGrants,
  grantEvidence,
  IMPERSONATION_ROLES,
  isServiceAgentGrant,
  privilegedRoleReason,
} from "./gcpRules";

/**
 * Any other grant at organization or folder level: it reaches every project below. Owner,
 * editor, privileged and impersonation roles there are reported by their own detectors with
 * raised severity; this one covers the rest so no hierarchy grant goes unseen.
 * Severity: medium.
 */
export const gcpOrgFolderGrant: Detector = {
  id: "gcp-org-folder-grant",
  title: "Role granted at organization or folder level",
  category: "admin_grant",
  severity: "medium",
  sources: ["gcp"],
  playbook: "remove-binding",
  match(event) {
    if (event.target.level !== "organization" && event.target.level !== "folder") return NO_FINDINGS;
    const out: FindingDraft[] = [];
    for (const g of effectiveGrants(event)) {
      if (privilegedRoleReason(g.role) || IMPERSONATION_ROLES.has(g.role) || isServiceAgentGrant(g)) continue;
      out.push({
        discriminator: `${g.role}|${g.member}`,
        summary: `${event.actor.display} granted ${g.role} on ${describeTarget(event.target)} to ${g.member}: it applies to every project below`,
        evidence: grantEvidence(event, g),
      });
    }
    return out;
  },
  examples: {
    fire: [
      {
        name: "Browser granted at the organization",
        record: hierarchySetIamPolicy("organization", [["ADD", "roles/browser", "user:frank@example.com"]]),
      },
      {
        name: "Viewer granted on a folder",
        record: hierarchySetIamPolicy("folder", [["ADD", "roles/viewer", "group:contractors@example.com"]]),
      },
    ],
    quiet: [
      {
        name: "Viewer granted on a project",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/viewer", "group:contractors@example.com"]]),
      },
      {
        name: "Viewer removed from the organization",
        record: hierarchySetIamPolicy("organization", [["REMOVE", "roles/viewer", "user:frank@example.com"]]),
      },
    ],
  },
};
