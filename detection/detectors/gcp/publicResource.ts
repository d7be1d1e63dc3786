import { type Detector, NO_FINDINGS } from "../../detector";
import type { Severity } from "../../model";
import { bigQueryDatasetChange, hierarchySetIamPolicy, serviceSetIamPolicy } from "./exampleRecords";
import { describeTarget } from "./gcpRules";
import { isStorageEvent, publicGrants, STORAGE_SERVICE } from "./publicMembers";

/** Invoker roles make an endpoint callable, not data readable: public services are often intended. */
const INVOKER_ROLES = new Set(["roles/run.invoker", "roles/cloudfunctions.invoker"]);

/**
 * allUsers / allAuthenticatedUsers granted on anything that is not Cloud Storage (that one is
 * gcp-public-bucket): BigQuery datasets, Pub/Sub, KMS keys, secrets, projects, Cloud Run and
 * Cloud Functions. Severity: critical (data or keys exposed to anyone); high when the only
 * public roles are invoker roles on Cloud Run / Cloud Functions.
 */
export const gcpPublicResource: Detector = {
  id: "gcp-public-resource",
  title: "Cloud resource opened to allUsers or allAuthenticatedUsers",
  category: "public_exposure",
  severity: "critical",
  sources: ["gcp"],
  calls: (service) => service !== STORAGE_SERVICE,
  playbook: "remove-public-members",
  match(event) {
    if (isStorageEvent(event)) return NO_FINDINGS;
    const grants = publicGrants(event);
    if (!grants.length) return NO_FINDINGS;
    const members = [...new Set(grants.map((g) => g.member))];
    const roles = [...new Set(grants.map((g) => g.role))];
    const severity: Severity = roles.every((r) => INVOKER_ROLES.has(r)) ? "high" : "critical";
    return [
      {
        severity,
        summary: `${event.actor.display} opened ${describeTarget(event.target)} to ${members.join(", ")} (${roles.join(", ")})`,
        evidence: {
          resource: event.target.id,
          resourceKind: event.target.kind,
          level: event.target.level,
          project: event.target.project,
          members,
          roles,
          grants,
          actor: event.actor.id,
          method: event.action,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "BigQuery dataset shared with allAuthenticatedUsers",
        record: bigQueryDatasetChange("customer_pii", [
          ["ADD", "roles/bigquery.dataViewer", "allAuthenticatedUsers"],
        ]),
      },
      {
        name: "Pub/Sub topic publishable by allUsers",
        record: serviceSetIamPolicy("pubsubTopic", "orders", [["ADD", "roles/pubsub.publisher", "allUsers"]]),
      },
      {
        name: "KMS key usable by allUsers",
        record: serviceSetIamPolicy("kmsKey", "payments", [
          ["ADD", "roles/cloudkms.cryptoKeyEncrypterDecrypter", "allUsers"],
        ]),
      },
      {
        name: "Cloud Run service invokable by allUsers",
        record: serviceSetIamPolicy("cloudRun", "checkout", [["ADD", "roles/run.invoker", "allUsers"]]),
      },
      {
        name: "project viewer granted to allAuthenticatedUsers",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/viewer", "allAuthenticatedUsers"]]),
      },
    ],
    quiet: [
      {
        name: "Cloud Function invoker granted to an internal service account",
        record: serviceSetIamPolicy("cloudFunction", "resize-images", [
          [
            "ADD",
            "roles/cloudfunctions.invoker",
            "serviceAccount:scheduler@acme-prod.iam.gserviceaccount.com",
          ],
        ]),
      },
      {
        name: "allUsers removed from a Pub/Sub topic",
        record: serviceSetIamPolicy("pubsubTopic", "orders", [
          ["REMOVE", "roles/pubsub.publisher", "allUsers"],
        ]),
      },
      {
        name: "denied attempt to share a dataset publicly",
        record: bigQueryDatasetChange("customer_pii", [["ADD", "roles/bigquery.dataViewer", "allUsers"]], {
          status: {
            code: 7,
            message:
              "Access Denied: Dataset acme-prod:customer_pii: Permission bigquery.datasets.setIamPolicy denied",
          },
        }),
      },
    ],
  },
};
