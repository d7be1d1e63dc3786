import type { Detector } from "../../detector";
import type { Severity } from "../../model";
import { GCP_DETAIL_CALLS } from "../../normalize/gcpAuditLog";
import { gcpDetails } from "../../normalize/gcpDetails";
import { PERMISSION_DENIED, saEmail, serviceAccountKeyCall, serviceAccountLifecycle } from "./exampleRecords";

/**
 * Service accounts created, deleted, disabled, enabled or undeleted: machine identities
 * joining and leaving. Severity: low for create and disable (routine, or a remediation);
 * medium for delete (evidence and workloads go with it) and for enable / undelete (a disabled
 * identity brought back is a classic persistence move).
 */
const SEVERITY: Record<string, Severity> = {
  create: "low",
  disable: "low",
  delete: "medium",
  enable: "medium",
  undelete: "medium",
};

export const gcpServiceAccountLifecycle: Detector = {
  id: "gcp-sa-lifecycle",
  title: "Service account created, deleted, disabled or enabled",
  category: "user_lifecycle",
  severity: "low",
  sources: ["gcp"],
  calls: GCP_DETAIL_CALLS.serviceAccountLifecycle,
  match(event) {
    const sa = gcpDetails(event)?.serviceAccountLifecycle;
    if (!event.success || !sa) return [];
    const who = sa.email ?? sa.uniqueId ?? event.target.id;
    return [
      {
        severity: SEVERITY[sa.operation],
        summary: `${event.actor.display} ${sa.operation === "undelete" ? "undeleted" : `${sa.operation}d`} service account ${who}`,
        evidence: {
          serviceAccount: who,
          uniqueId: sa.uniqueId,
          operation: sa.operation,
          project: event.target.project,
          actor: event.actor.id,
        },
      },
    ];
  },
  examples: {
    fire: [
      { name: "service account created", record: serviceAccountLifecycle("Create", saEmail("ci-runner")) },
      { name: "service account deleted", record: serviceAccountLifecycle("Delete", saEmail("legacy-etl")) },
      {
        name: "disabled service account re-enabled",
        record: serviceAccountLifecycle("Enable", saEmail("old-admin")),
      },
    ],
    quiet: [
      {
        name: "denied service account creation",
        record: serviceAccountLifecycle("Create", saEmail("ci-runner"), { status: PERMISSION_DENIED }),
      },
      {
        name: "service account key call (not lifecycle)",
        record: serviceAccountKeyCall("Disable", saEmail("deployer")),
      },
    ],
  },
};
