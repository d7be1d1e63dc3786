/** Cloud Audit Log entries for the least-privilege tests: grants and uses of permissions. */
let seq = 0;

/** A Cloud Audit Logs LogEntry (protoPayload AuditLog), as Pub/Sub pushes it. */
export function auditEntry(o: {
  principal: string;
  service: string;
  method: string;
  resource: string;
  permission: string;
  time: string;
  logType?: "activity" | "data_access";
  deltas?: { action: "ADD" | "REMOVE"; role: string; member: string }[];
}) {
  seq++;
  return {
    protoPayload: {
      "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
      status: {},
      authenticationInfo: { principalEmail: o.principal },
      requestMetadata: {
        callerIp: "198.51.100.20",
        callerSuppliedUserAgent: "google-api-go-client/0.5",
        requestAttributes: { time: o.time, auth: {} },
        destinationAttributes: {},
      },
      serviceName: o.service,
      methodName: o.method,
      authorizationInfo: [
        { resource: o.resource, permission: o.permission, granted: true, resourceAttributes: {} },
      ],
      resourceName: o.resource,
      ...(o.deltas
        ? {
            serviceData: {
              "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
              policyDelta: { bindingDeltas: o.deltas },
            },
          }
        : {}),
    },
    insertId: `lp${seq}x9k2`,
    resource: { type: "project", labels: { project_id: "acme-prod" } },
    timestamp: o.time,
    severity: "NOTICE",
    logName: `projects/acme-prod/logs/cloudaudit.googleapis.com%2F${o.logType ?? "activity"}`,
    receiveTimestamp: o.time,
  };
}

export const grant = (member: string, time: string) =>
  auditEntry({
    principal: "admin@acme.com",
    service: "cloudresourcemanager.googleapis.com",
    method: "SetIamPolicy",
    resource: "projects/acme-prod",
    permission: "resourcemanager.projects.setIamPolicy",
    time,
    deltas: [{ action: "ADD", role: "roles/editor", member }],
  });

export const use = (principal: string, permission: string, method: string, service: string, time: string) =>
  auditEntry({
    principal,
    service,
    method,
    resource: "projects/acme-prod",
    permission,
    time,
    logType: "data_access",
  });

/**
 * Ana holds roles/editor on acme-prod since 2026-11-10 and, in the last days, used Pub/Sub
 * publishing and Cloud SQL connections only: roles/cloudsql.client + roles/pubsub.publisher
 * cover it.
 */
export function anaHistory() {
  return [
    grant("user:ana@acme.com", "2026-11-10T09:00:00Z"),
    use(
      "ana@acme.com",
      "pubsub.topics.publish",
      "google.pubsub.v1.Publisher.Publish",
      "pubsub.googleapis.com",
      "2026-11-22T08:00:00Z",
    ),
    use(
      "ana@acme.com",
      "cloudsql.instances.connect",
      "cloudsql.instances.connect",
      "cloudsql.googleapis.com",
      "2026-11-21T08:00:00Z",
    ),
    use(
      "ana@acme.com",
      "cloudsql.instances.get",
      "cloudsql.instances.get",
      "cloudsql.googleapis.com",
      "2026-11-20T08:00:00Z",
    ),
  ];
}
