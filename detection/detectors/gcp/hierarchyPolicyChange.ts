import { type Detector, NO_FINDINGS } from "../../detector";
import type { Severity } from "../../model";
import { hierarchySetIamPolicy, PERMISSION_DENIED, serviceSetIamPolicy } from "./exampleRecords";
import { describeTarget, isServiceAgentGrant } from "./gcpRules";

/**
 * Any successful SetIamPolicy on an organization, folder or project: the policies everything
 * else inherits. The grants that matter most (owner, admin, external, public, impersonation)
 * get their own findings; this one keeps the trail complete. Severity: medium at organization
 * / folder, low at project or when the change only removed access. Bindings Google makes for
 * its own service agents are not reported.
 */
export const gcpHierarchyPolicyChange: Detector = {
  id: "gcp-hierarchy-policy-change",
  title: "IAM policy changed on an organization, folder or project",
  category: "policy_change",
  severity: "low",
  sources: ["gcp"],
  calls: (_service, action) => action.endsWith("SetIamPolicy"),
  match(event) {
    if (!event.success || !event.action.endsWith("SetIamPolicy")) return NO_FINDINGS;
    const level = event.target.level;
    if (level !== "organization" && level !== "folder" && level !== "project") return NO_FINDINGS;
    const { grants, revokes } = event;
    if (
      grants.length + revokes.length > 0 &&
      grants.every(isServiceAgentGrant) &&
      revokes.every(isServiceAgentGrant)
    )
      return NO_FINDINGS;
    const onlyRemovals = grants.length === 0 && revokes.length > 0;
    const severity: Severity = onlyRemovals || level === "project" ? "low" : "medium";
    const parts: string[] = [];
    if (grants.length) parts.push(`${grants.length} grant(s)`);
    if (revokes.length) parts.push(`${revokes.length} removal(s)`);
    return [
      {
        severity,
        summary: `${event.actor.display} changed the IAM policy of ${describeTarget(event.target)}${parts.length ? `: ${parts.join(", ")}` : ""}`,
        evidence: {
          resource: event.target.id,
          level,
          project: event.target.project,
          grants: event.grants,
          revokes: event.revokes,
          actor: event.actor.id,
          sourceIp: event.sourceIp,
          userAgent: event.userAgent,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "binding added to the organization policy",
        record: hierarchySetIamPolicy("organization", [
          ["ADD", "roles/billing.viewer", "group:finance@example.com"],
        ]),
      },
      {
        name: "binding added to a project policy",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/logging.viewer", "user:gina@example.com"]]),
      },
    ],
    quiet: [
      {
        name: "Google binds a service agent when an API is enabled",
        record: hierarchySetIamPolicy(
          "project",
          [
            [
              "ADD",
              "roles/run.serviceAgent",
              "serviceAccount:service-908712345678@serverless-robot-prod.iam.gserviceaccount.com",
            ],
          ],
          { principal: "service-908712345678@gcp-sa-cloudbuild.iam.gserviceaccount.com" },
        ),
      },
      {
        name: "IAM policy change on a Pub/Sub topic (resource level)",
        record: serviceSetIamPolicy("pubsubTopic", "orders", [
          ["ADD", "roles/pubsub.viewer", "group:sre@example.com"],
        ]),
      },
      {
        name: "denied SetIamPolicy on the project",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:mallory.ops@gmail.com"]], {
          principal: "intern@example.com",
          status: PERMISSION_DENIED,
        }),
      },
    ],
  },
};
