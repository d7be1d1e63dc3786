import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, attachPolicy, denied, iamCall, MALLORY } from "./exampleRecords";
import { isCall, isPolicyWrite, privilegedGroupEvidence } from "./shared";

/**
 * Membership changes of privileged IAM groups that the admin-grant detectors do not cover:
 * a user removed from a privileged group (cleanup, or responders being locked out) and a
 * privileged group deleted. Additions are aws-privileged-group-membership's. Severity medium.
 */
export const awsPrivilegedGroupChange: Detector = {
  id: "aws-privileged-group-change",
  title: "Privileged IAM group membership removed or group deleted",
  category: "user_lifecycle",
  severity: "medium",
  sources: ["aws"],
  calls: actionIn("RemoveUserFromGroup", "DeleteGroup"),
  keeps: isPolicyWrite,
  match(event, ctx) {
    if (!event.success || !isCall(event, "iam", "RemoveUserFromGroup", "DeleteGroup")) return [];
    const d = awsDetails(event);
    const group = d.groupName;
    if (!group) return [];
    const why = privilegedGroupEvidence(group, ctx, event.actor.id);
    if (!why) return [];
    const removed = event.action === "RemoveUserFromGroup";
    return [
      {
        summary: removed
          ? `${event.actor.display} removed IAM user ${d.userName ?? "unknown"} from privileged group ${group}`
          : `${event.actor.display} deleted privileged IAM group ${group}`,
        evidence: {
          groupName: group,
          ...(removed ? { userName: d.userName, user: event.revokes[0]?.member } : {}),
          privilegedBecause: why,
          operation: removed ? "remove-member" : "delete-group",
          account: event.target.project,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "user removed from Administrators",
        record: iamCall(MALLORY, "RemoveUserFromGroup", {
          groupName: "Administrators",
          userName: "alice-admin",
        }),
      },
      {
        name: "user removed from a group that got AdministratorAccess earlier",
        history: [attachPolicy(MALLORY, "Group", "ops", "arn:aws:iam::aws:policy/AdministratorAccess")],
        record: iamCall(MALLORY, "RemoveUserFromGroup", { groupName: "ops", userName: "carol" }, { at: 120 }),
      },
      {
        name: "privileged group deleted",
        record: iamCall(MALLORY, "DeleteGroup", { groupName: "BreakGlassAdmins" }),
      },
    ],
    quiet: [
      {
        name: "user removed from an ordinary group",
        record: iamCall(ALICE_ADMIN, "RemoveUserFromGroup", { groupName: "developers", userName: "bob" }),
      },
      {
        name: "removal from Administrators that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "RemoveUserFromGroup",
          requestParameters: { groupName: "Administrators", userName: "alice-admin" },
        }),
      },
      {
        name: "ordinary group deleted",
        record: iamCall(ALICE_ADMIN, "DeleteGroup", { groupName: "interns-2025" }),
      },
    ],
  },
};
