import { type Incident, IncidentSchema } from "../../detection/model";

/**
 * An incident as the pipeline stores it: GCP storage SetIamPolicy granting allUsers on a
 * production bucket, with a one-step remediation plan waiting for approval.
 */
export function publicBucketIncident(overrides: Partial<Incident> = {}): Incident {
  return IncidentSchema.parse({
    id: "inc-7f3a9c",
    groupKey: "user:mallory@example.com|gcs_bucket:acme-prod-invoices",
    title: "Bucket acme-prod-invoices made public (allUsers)",
    actor: { id: "user:mallory@example.com", kind: "user", display: "mallory@example.com" },
    target: { kind: "gcs_bucket", id: "acme-prod-invoices", project: "acme-prod", region: "us-central1" },
    source: "gcp",
    category: "public_exposure",
    severity: "critical",
    findings: [
      {
        id: "f-1",
        detector: "gcp.public_bucket",
        category: "public_exposure",
        severity: "critical",
        summary: "Granted roles/storage.objectViewer to allUsers on gs://acme-prod-invoices",
        evidence: { role: "roles/storage.objectViewer", member: "allUsers" },
        eventId: "gcp:1x2y3z1e4kd",
        time: "2026-11-20T14:03:12.483Z",
      },
    ],
    eventIds: ["gcp:1x2y3z1e4kd"],
    firstSeen: "2026-11-20T14:03:12.483Z",
    lastSeen: "2026-11-20T14:03:12.483Z",
    risk: 91,
    factors: [
      { name: "public", points: 40, why: "allUsers can read every object" },
      { name: "production", points: 25, why: "project acme-prod matches the production pattern" },
      { name: "off-hours", points: 8, why: "changed at 02:03 in the actor's usual time zone" },
    ],
    state: "open",
    stateChangedAt: "2026-11-20T14:03:20.000Z",
    plan: {
      playbook: "public_bucket",
      actions: [
        {
          kind: "gcp.removePublicMembers",
          target: "acme-prod-invoices",
          idempotencyKey: "inc-7f3a9c:removePublic",
          description: "Remove allUsers and allAuthenticatedUsers from gs://acme-prod-invoices",
        },
      ],
      auto: false,
      dryRun: false,
      approvalsRequired: 1,
    },
    timeline: [{ at: "2026-11-20T14:03:20.000Z", by: "system", what: "opened the incident" }],
    createdAt: "2026-11-20T14:03:20.000Z",
    updatedAt: "2026-11-20T14:03:20.000Z",
    ...overrides,
  });
}
