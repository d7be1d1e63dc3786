import { actionIn, type Detector } from "../../detector";
import { ALICE_ADMIN, attachPolicy, denied, iamCall, MALLORY } from "./exampleRecords";
import { adminGrantOf, arnName, isPolicyWrite } from "./shared";

/**
 * AddUserToGroup into a group holding admin-grade policies: known to the detection state
 * (ctx.privilegedGroups), attached by the same actor recently, or named as an admin group.
 */
export const awsPrivilegedGroupMembership: Detector = {
  id: "aws-privileged-group-membership",
  title: "User added to a privileged IAM group",
  category: "admin_grant",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("AddUserToGroup"),
  keeps: isPolicyWrite,
  match(event, ctx) {
    if (event.action !== "AddUserToGroup") return [];
    const j = adminGrantOf(event, ctx);
    if (!j) return [];
    return [
      {
        summary: `${event.actor.display} added ${arnName(j.subject)} to privileged group ${j.via}`,
        evidence: {
          user: j.subject,
          group: j.via,
          why: j.grants[0]?.actions[0],
          privilegedGroup: j.via,
          privilegedPrincipal: j.subject,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "group got AdministratorAccess earlier, then a user is added",
        history: [attachPolicy(MALLORY, "Group", "ops", "arn:aws:iam::aws:policy/AdministratorAccess")],
        record: iamCall(MALLORY, "AddUserToGroup", { groupName: "ops", userName: "mallory" }, { at: 30 }),
      },
      {
        name: "user added to a group named Administrators",
        record: iamCall(ALICE_ADMIN, "AddUserToGroup", {
          groupName: "Administrators",
          userName: "temp-contractor",
        }),
      },
    ],
    quiet: [
      {
        name: "user added to an ordinary group",
        record: iamCall(ALICE_ADMIN, "AddUserToGroup", { groupName: "developers", userName: "new-hire" }),
      },
      {
        name: "group got ReadOnlyAccess, then a user is added",
        history: [attachPolicy(ALICE_ADMIN, "Group", "auditors", "arn:aws:iam::aws:policy/ReadOnlyAccess")],
        record: iamCall(
          ALICE_ADMIN,
          "AddUserToGroup",
          { groupName: "auditors", userName: "new-auditor" },
          { at: 30 },
        ),
      },
      {
        name: "denied AddUserToGroup into Administrators",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "AddUserToGroup",
          requestParameters: { groupName: "Administrators", userName: "mallory" },
        }),
      },
    ],
  },
};
