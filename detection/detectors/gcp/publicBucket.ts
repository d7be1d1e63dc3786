import { type Detector, NO_FINDINGS } from "../../detector";
import { bucketSetIamPolicy, logEntry, PERMISSION_DENIED, PROJECT } from "./exampleRecords";
import { describeTarget } from "./gcpRules";
import { isStorageEvent, publicGrants, STORAGE_SERVICE } from "./publicMembers";

/**
 * A Cloud Storage bucket or object opened to allUsers / allAuthenticatedUsers, by IAM
 * (storage.setIamPermissions policy deltas) or by a legacy ACL in the request.
 * Severity: critical, since anyone on the internet (or any Google account) can read the data.
 */
export const gcpPublicBucket: Detector = {
  id: "gcp-public-bucket",
  title: "Cloud Storage bucket or object made public",
  category: "public_exposure",
  severity: "critical",
  sources: ["gcp"],
  calls: (service) => service === STORAGE_SERVICE,
  playbook: "remove-public-members",
  match(event) {
    if (!isStorageEvent(event)) return NO_FINDINGS;
    const grants = publicGrants(event);
    if (!grants.length) return NO_FINDINGS;
    const members = [...new Set(grants.map((g) => g.member))];
    const roles = [...new Set(grants.map((g) => g.role))];
    return [
      {
        summary: `${event.actor.display} made ${describeTarget(event.target)} public: ${members.join(", ")} got ${roles.join(", ")}`,
        evidence: {
          resource: event.target.id,
          resourceKind: event.target.kind,
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
        name: "allUsers granted objectViewer on a bucket",
        record: bucketSetIamPolicy("acme-payroll-exports", [
          ["ADD", "roles/storage.objectViewer", "allUsers"],
        ]),
      },
      {
        name: "allAuthenticatedUsers granted legacy reader on one object (ACL change)",
        record: bucketSetIamPolicy(
          "acme-data",
          [["ADD", "roles/storage.legacyObjectReader", "allAuthenticatedUsers"]],
          { object: "exports/customers.csv" },
        ),
      },
      {
        name: "object uploaded with a publicRead ACL (acl entity allUsers)",
        record: logEntry({
          resourceType: "gcs_bucket",
          labels: { bucket_name: "acme-web-assets", location: "us", project_id: PROJECT },
          serviceName: "storage.googleapis.com",
          methodName: "storage.objects.update",
          resourceName: "projects/_/buckets/acme-web-assets/objects/db-dump.sql",
          permissions: [{ permission: "storage.objects.setIamPolicy" }],
          request: {
            "@type": "type.googleapis.com/google.storage.v1.Object",
            acl: [
              { entity: "project-owners-908712345678", role: "OWNER" },
              { entity: "allUsers", role: "READER" },
            ],
          },
        }),
      },
    ],
    quiet: [
      {
        name: "objectViewer granted to an internal group",
        record: bucketSetIamPolicy("acme-data", [
          ["ADD", "roles/storage.objectViewer", "group:analysts@example.com"],
        ]),
      },
      {
        name: "allUsers removed from a bucket (the fix, not the attack)",
        record: bucketSetIamPolicy("acme-data", [["REMOVE", "roles/storage.objectViewer", "allUsers"]]),
      },
      {
        name: "denied attempt to make a bucket public",
        record: bucketSetIamPolicy("acme-data", [["ADD", "roles/storage.objectViewer", "allUsers"]], {
          status: PERMISSION_DENIED,
        }),
      },
    ],
  },
};
