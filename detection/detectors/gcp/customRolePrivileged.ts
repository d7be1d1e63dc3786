import type { Detector } from "../../detector";
import { GCP_DETAIL_CALLS } from "../../normalize/gcpAuditLog";
import { gcpDetails } from "../../normalize/gcpDetails";
import { customRoleChange, PERMISSION_DENIED } from "./exampleRecords";
import { isPrivilegedPermission } from "./gcpRules";

/**
 * A custom role created or updated with permissions that change IAM policies or mint
 * service-account credentials: whoever gets the role can escalate. Severity: high.
 */
export const gcpCustomRolePrivileged: Detector = {
  id: "gcp-custom-role-privileged",
  title: "Custom role with IAM-changing or credential permissions",
  category: "admin_grant",
  severity: "high",
  sources: ["gcp"],
  calls: GCP_DETAIL_CALLS.customRole,
  match(event) {
    const role = gcpDetails(event)?.customRole;
    if (!event.success || !role) return [];
    const risky = role.includedPermissions.filter(isPrivilegedPermission);
    if (!risky.length) return [];
    const verb = /UpdateRole$/.test(event.action) ? "updated" : "created";
    return [
      {
        summary: `${event.actor.display} ${verb} custom role ${role.name} with ${risky.slice(0, 3).join(", ")}${risky.length > 3 ? ` and ${risky.length - 3} more` : ""}`,
        evidence: {
          role: role.name,
          project: event.target.project,
          privilegedPermissions: risky,
          includedPermissions: role.includedPermissions,
          actor: event.actor.id,
          method: event.action,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "custom role created with resourcemanager.projects.setIamPolicy",
        record: customRoleChange("Create", "deployHelper", [
          "resourcemanager.projects.get",
          "resourcemanager.projects.setIamPolicy",
          "run.services.update",
        ]),
      },
      {
        name: "custom role updated to add iam.serviceAccountKeys.create",
        record: customRoleChange("Update", "ciOperator", [
          "iam.serviceAccounts.get",
          "iam.serviceAccountKeys.create",
        ]),
      },
    ],
    quiet: [
      {
        name: "custom role with read-only permissions",
        record: customRoleChange("Create", "auditReader", [
          "logging.logEntries.list",
          "resourcemanager.projects.get",
        ]),
      },
      {
        name: "denied attempt to create a privileged custom role",
        record: customRoleChange("Create", "sneaky", ["resourcemanager.projects.setIamPolicy"], {
          status: PERMISSION_DENIED,
        }),
      },
    ],
  },
};
