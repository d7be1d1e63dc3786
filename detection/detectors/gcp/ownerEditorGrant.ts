import { type Detector, type FindingDraft, NO_FINDINGS } from "../../detector";
import type { Severity } from "../../model";
import { hierarchySetIamPolicy, PERMISSION_DENIED, serviceSetIamPolicy } from "./exampleRecords";
import { describeTarget, effectiveGrants, grantEvidence } from "./gcpRules";

/**
 * roles/owner or roles/editor granted. Severity: critical for owner at organization or folder
 * (every project below is owned), high otherwise (editor anywhere, owner on a project).
 */
export const gcpOwnerEditorGrant: Detector = {
  id: "gcp-owner-editor-grant",
  title: "Owner or Editor role granted",
  category: "admin_grant",
  severity: "high",
  sources: ["gcp"],
  playbook: "remove-binding",
  match(event) {
    const grants = effectiveGrants(event);
    if (!grants.length) return NO_FINDINGS;
    const out: FindingDraft[] = [];
    for (const g of grants) {
      if (g.role !== "roles/owner" && g.role !== "roles/editor") continue;
      const hierarchy = event.target.level === "organization" || event.target.level === "folder";
      const severity: Severity = g.role === "roles/owner" && hierarchy ? "critical" : "high";
      out.push({
        severity,
        discriminator: `${g.role}|${g.member}`,
        summary: `${event.actor.display} granted ${g.role} on ${describeTarget(event.target)} to ${g.member}${g.condition ? " (conditional)" : ""}`,
        evidence: grantEvidence(event, g),
      });
    }
    return out;
  },
  examples: {
    fire: [
      {
        name: "owner granted to a gmail account on the project",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:mallory.ops@gmail.com"]]),
      },
      {
        name: "owner granted at the organization (critical)",
        record: hierarchySetIamPolicy("organization", [["ADD", "roles/owner", "user:bob@example.com"]]),
      },
      {
        name: "editor granted to a service account on a folder",
        record: hierarchySetIamPolicy("folder", [
          ["ADD", "roles/editor", "serviceAccount:ci-runner@acme-build.iam.gserviceaccount.com"],
        ]),
      },
    ],
    quiet: [
      {
        name: "viewer granted on the project",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/viewer", "user:bob@example.com"]]),
      },
      {
        name: "owner removed",
        record: hierarchySetIamPolicy("project", [["REMOVE", "roles/owner", "user:carol@example.com"]]),
      },
      {
        name: "denied attempt to grant owner",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:mallory.ops@gmail.com"]], {
          principal: "intern@example.com",
          status: PERMISSION_DENIED,
        }),
      },
      {
        name: "Pub/Sub subscriber granted on a topic",
        record: serviceSetIamPolicy("pubsubTopic", "orders", [
          ["ADD", "roles/pubsub.subscriber", "serviceAccount:billing@acme-prod.iam.gserviceaccount.com"],
        ]),
      },
    ],
  },
};
