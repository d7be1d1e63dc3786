import type { Detector } from "../../detector";
import { GCP_DETAIL_CALLS } from "../../normalize/gcpAuditLog";
import { gcpDetails } from "../../normalize/gcpDetails";
import { exclusionChange } from "./exampleRecords";

/**
 * A Logging exclusion created or re-enabled: matching entries are dropped before anyone can
 * read them. Severity: medium; high when the filter targets audit logs (cloudaudit) or IAM.
 */
export const gcpLogExclusionCreated: Detector = {
  id: "gcp-log-exclusion",
  title: "Log exclusion created or enabled",
  category: "logging_tampering",
  severity: "medium",
  sources: ["gcp"],
  calls: GCP_DETAIL_CALLS.exclusionChange,
  match(event) {
    const x = gcpDetails(event)?.exclusionChange;
    if (!event.success || !x || x.operation === "delete" || x.disabled === true) return [];
    const targetsAudit = /cloudaudit|iam\.googleapis\.com|protoPayload/i.test(x.filter ?? "");
    return [
      {
        severity: targetsAudit ? "high" : "medium",
        summary: `${event.actor.display} ${x.operation === "create" ? "created" : "updated"} log exclusion ${x.name.split("/").pop()}${x.filter ? ` dropping ${x.filter}` : ""}`,
        evidence: {
          exclusion: x.name,
          filter: x.filter,
          project: event.target.project,
          actor: event.actor.id,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "exclusion dropping IAM data-access audit logs",
        record: exclusionChange("Create", "drop-iam-noise"),
      },
      {
        name: "exclusion updated to drop all audit logs",
        record: exclusionChange("Update", "cost-saver", {
          filter: 'logName:"cloudaudit.googleapis.com"',
          disabled: false,
        }),
      },
    ],
    quiet: [
      {
        name: "exclusion disabled",
        record: exclusionChange("Update", "drop-iam-noise", { disabled: true }),
      },
      { name: "exclusion deleted", record: exclusionChange("Delete", "drop-iam-noise") },
    ],
  },
};
