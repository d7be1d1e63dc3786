import { type Detector, NO_FINDINGS } from "../../detector";
import { gcpDetails } from "../../normalize/gcpDetails";
import { hierarchySetIamPolicy } from "./exampleRecords";
import { describeTarget } from "./gcpRules";

/**
 * Data Access audit logging turned off or narrowed: an auditConfigDelta that REMOVEs a log
 * type, or ADDs an exempted member (that member's calls stop being logged). Attackers do this
 * before they read data. Severity: high; critical when allServices logging is removed at
 * organization or folder level.
 */
export const gcpAuditConfigRemoved: Detector = {
  id: "gcp-audit-config-removed",
  title: "Audit logging configuration removed or exempted",
  category: "logging_tampering",
  severity: "high",
  sources: ["gcp"],
  playbook: "restore-audit-config",
  match(event) {
    const deltas = gcpDetails(event)?.auditConfigDeltas;
    if (!event.success || !deltas?.length) return NO_FINDINGS;
    const weakening = deltas.filter((d) => d.action === "REMOVE" || (d.action === "ADD" && d.exemptedMember));
    if (!weakening.length) return [];
    const removals = weakening.filter((d) => d.action === "REMOVE");
    const exemptions = weakening.filter((d) => d.action === "ADD");
    const hierarchy = event.target.level === "organization" || event.target.level === "folder";
    const allServices = removals.some((d) => d.service === "allServices");
    const what = [
      removals.length
        ? `removed ${removals.map((d) => `${d.service}${d.logType ? ` ${d.logType}` : ""}`).join(", ")} audit logging`
        : "",
      exemptions.length
        ? `exempted ${exemptions.map((d) => d.exemptedMember).join(", ")} from audit logs`
        : "",
    ]
      .filter(Boolean)
      .join(" and ");
    return [
      {
        severity: hierarchy && allServices ? "critical" : "high",
        summary: `${event.actor.display} ${what} on ${describeTarget(event.target)}`,
        evidence: {
          resource: event.target.id,
          level: event.target.level,
          project: event.target.project,
          removedAuditConfigs: weakening,
          actor: event.actor.id,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "Data Access logs for all services removed on the project",
        record: hierarchySetIamPolicy("project", [], {
          auditConfigDeltas: [
            { action: "REMOVE", service: "allServices", logType: "DATA_READ" },
            { action: "REMOVE", service: "allServices", logType: "DATA_WRITE" },
          ],
        }),
      },
      {
        name: "a user exempted from IAM audit logs at the organization",
        record: hierarchySetIamPolicy("organization", [], {
          auditConfigDeltas: [
            {
              action: "ADD",
              service: "iam.googleapis.com",
              logType: "ADMIN_READ",
              exemptedMember: "user:mallory.ops@gmail.com",
            },
          ],
        }),
      },
    ],
    quiet: [
      {
        name: "Data Access logs enabled for Cloud Storage",
        record: hierarchySetIamPolicy("project", [], {
          auditConfigDeltas: [{ action: "ADD", service: "storage.googleapis.com", logType: "DATA_READ" }],
        }),
      },
      {
        name: "ordinary binding change without audit config deltas",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/viewer", "user:bob@example.com"]]),
      },
    ],
  },
};
