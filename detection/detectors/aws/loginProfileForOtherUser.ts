import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { createdRecentlyBySameActor, isUserCreation } from "./accessKeyForOtherUser";
import { ALICE_ADMIN, createUser, DEPLOY_ROLE, denied, iamCall, MALLORY } from "./exampleRecords";
import { isCall } from "./shared";

/**
 * CreateLoginProfile / UpdateLoginProfile for another IAM user: the caller chose (or reset)
 * someone else's console password, so it can sign in as them. Severity high; medium when the
 * same actor created the user minutes earlier and the user must change the password at first
 * sign-in (onboarding). The password itself is never in CloudTrail.
 */
export const awsLoginProfileForOtherUser: Detector = {
  id: "aws-login-profile-for-other-user",
  title: "Console password set for another IAM user",
  category: "credential_creation",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("CreateLoginProfile", "UpdateLoginProfile"),
  keeps: isUserCreation,
  match(event, ctx) {
    if (!event.success || !isCall(event, "iam", "CreateLoginProfile", "UpdateLoginProfile")) return [];
    const d = awsDetails(event);
    if (d.selfTarget !== false || event.target.kind !== "user" || !d.userName) return [];
    const created = event.action === "CreateLoginProfile";
    const onboarding =
      created &&
      d.passwordResetRequired === true &&
      !!createdRecentlyBySameActor(event, event.target.id, ctx.recentByActor(event.actor.id));
    return [
      {
        severity: onboarding ? "medium" : "high",
        summary: `${event.actor.display} ${created ? "set a console password for" : "reset the console password of"} IAM user ${d.userName}${onboarding ? " (new user, reset required)" : ""}`,
        evidence: {
          userName: d.userName,
          user: event.target.id,
          account: event.target.project,
          operation: created ? "create" : "update",
          passwordResetRequired: d.passwordResetRequired,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "password reset for another user",
        record: iamCall(MALLORY, "UpdateLoginProfile", {
          userName: "alice-admin",
          passwordResetRequired: false,
        }),
      },
      {
        name: "console access given to an existing service user",
        record: iamCall(
          DEPLOY_ROLE,
          "CreateLoginProfile",
          { userName: "svc-backup", passwordResetRequired: false },
          {
            responseElements: {
              loginProfile: {
                userName: "svc-backup",
                createDate: "Mar 2, 2026, 10:15:00 AM",
                passwordResetRequired: false,
              },
            },
          },
        ),
      },
      {
        name: "new user given a password it need not change",
        history: [createUser(MALLORY, "temp-ops")],
        record: iamCall(
          MALLORY,
          "CreateLoginProfile",
          { userName: "temp-ops", passwordResetRequired: false },
          { at: 60 },
        ),
      },
    ],
    quiet: [
      {
        name: "a user changes its own password profile",
        record: iamCall(ALICE_ADMIN, "UpdateLoginProfile", {
          userName: "alice-admin",
          passwordResetRequired: false,
        }),
      },
      {
        name: "password reset for another user that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "UpdateLoginProfile",
          requestParameters: { userName: "alice-admin", passwordResetRequired: false },
        }),
      },
      {
        name: "console password deleted",
        record: iamCall(ALICE_ADMIN, "DeleteLoginProfile", { userName: "leaver-joe" }),
      },
    ],
  },
};
