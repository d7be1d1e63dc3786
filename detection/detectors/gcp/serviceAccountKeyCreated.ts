import type { Detector } from "../../detector";
import { GCP_DETAIL_CALLS } from "../../normalize/gcpAuditLog";
import { gcpDetails } from "../../normalize/gcpDetails";
import { PERMISSION_DENIED, saEmail, serviceAccountKeyCall } from "./exampleRecords";

/**
 * A user-managed service-account key created or uploaded: a long-lived credential that works
 * from anywhere until disabled. Severity: high (an upload means someone else holds the
 * private key, so it is reported with the same weight).
 */
export const gcpServiceAccountKeyCreated: Detector = {
  id: "gcp-sa-key-created",
  title: "Service account key created or uploaded",
  category: "credential_creation",
  severity: "high",
  sources: ["gcp"],
  calls: GCP_DETAIL_CALLS.serviceAccountKey,
  playbook: "disable-sa-key",
  match(event) {
    const key = gcpDetails(event)?.serviceAccountKey;
    if (!event.success || !key || (key.operation !== "create" && key.operation !== "upload")) return [];
    const verb = key.operation === "create" ? "created" : "uploaded";
    return [
      {
        summary: `${event.actor.display} ${verb} a key for service account ${key.serviceAccount}`,
        evidence: {
          serviceAccount: key.serviceAccount,
          keyName: key.keyName,
          keyId: key.keyName?.split("/").pop(),
          operation: key.operation,
          project: event.target.project,
          actor: event.actor.id,
          sourceIp: event.sourceIp,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "key created for the deployer service account",
        record: serviceAccountKeyCall("Create", saEmail("deployer")),
      },
      {
        name: "external public key uploaded to a service account",
        record: serviceAccountKeyCall("Upload", saEmail("billing-exporter"), {
          keyId: "9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081920",
        }),
      },
    ],
    quiet: [
      {
        name: "key disabled (the remediation)",
        record: serviceAccountKeyCall("Disable", saEmail("deployer")),
      },
      {
        name: "denied key creation",
        record: serviceAccountKeyCall("Create", saEmail("deployer"), {
          status: PERMISSION_DENIED,
          principal: "intern@example.com",
        }),
      },
    ],
  },
};
