import { actionIn, type Detector } from "../../detector";
import type { IamEvent } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, createUser, DEPLOY_ROLE, denied, iamCall, MALLORY } from "./exampleRecords";
import { isCall, minutesBetween } from "./shared";

/** How soon after CreateUser a key for that user counts as provisioning rather than takeover. */
export const PROVISIONING_WINDOW_MINUTES = 15;

/** What createdRecentlyBySameActor reads back: successful CreateUser calls. */
export function isUserCreation(e: IamEvent): boolean {
  return e.success && e.action === "CreateUser";
}

/** Whether the same actor created this IAM user within the provisioning window before the event. */
export function createdRecentlyBySameActor(event: IamEvent, userArn: string, recent: readonly IamEvent[]) {
  return recent.find(
    (e) =>
      e.success &&
      e.action === "CreateUser" &&
      e.target.id === userArn &&
      Date.parse(e.time) <= Date.parse(event.time) &&
      minutesBetween(e.time, event.time) <= PROVISIONING_WINDOW_MINUTES,
  );
}

/**
 * CreateAccessKey for an IAM user other than the caller (or UpdateAccessKey bringing another
 * user's key back to Active): a long-lived credential that the caller now holds for someone
 * else, the classic persistence move. Severity high; medium when the same actor created the
 * user minutes earlier (provisioning a new service user). Root's own keys are
 * aws-root-access-key-created's concern.
 */
export const awsAccessKeyForOtherUser: Detector = {
  id: "aws-access-key-for-other-user",
  title: "Access key created for another IAM user",
  category: "credential_creation",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("CreateAccessKey", "UpdateAccessKey"),
  keeps: isUserCreation,
  playbook: "deactivate-access-key",
  match(event, ctx) {
    if (!event.success || !isCall(event, "iam", "CreateAccessKey", "UpdateAccessKey")) return [];
    const d = awsDetails(event);
    if (d.selfTarget !== false || event.target.kind !== "user" || !d.userName) return [];
    const reactivated = event.action === "UpdateAccessKey";
    if (reactivated && d.accessKeyStatus !== "Active") return [];
    const provisioned = reactivated
      ? undefined
      : createdRecentlyBySameActor(event, event.target.id, ctx.recentByActor(event.actor.id));
    return [
      {
        severity: reactivated || provisioned ? "medium" : "high",
        summary: reactivated
          ? `${event.actor.display} reactivated access key ${d.accessKeyId ?? "(unknown)"} of IAM user ${d.userName}`
          : `${event.actor.display} created access key ${d.accessKeyId ?? "(unknown)"} for IAM user ${d.userName}${provisioned ? " (a user it created minutes earlier)" : ""}`,
        evidence: {
          userName: d.userName,
          user: event.target.id,
          accessKeyId: d.accessKeyId,
          account: event.target.project,
          operation: reactivated ? "reactivate" : "create",
          ...(provisioned ? { userCreatedAt: provisioned.time } : {}),
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "CreateAccessKey for an existing admin user by someone else",
        record: iamCall(
          MALLORY,
          "CreateAccessKey",
          { userName: "alice-admin" },
          {
            responseElements: {
              accessKey: {
                userName: "alice-admin",
                accessKeyId: "AKIAQWERTYEXAMPLE001",
                status: "Active",
                createDate: "Mar 2, 2026, 10:15:00 AM",
              },
            },
          },
        ),
      },
      {
        name: "a CI role creates a key for a human user",
        record: iamCall(
          DEPLOY_ROLE,
          "CreateAccessKey",
          { userName: "bob" },
          {
            responseElements: {
              accessKey: {
                userName: "bob",
                accessKeyId: "AKIAQWERTYEXAMPLE002",
                status: "Active",
                createDate: "Mar 2, 2026, 10:15:00 AM",
              },
            },
          },
        ),
      },
      {
        name: "key for a service user the same admin created a minute earlier (medium)",
        history: [createUser(ALICE_ADMIN, "svc-report")],
        record: iamCall(ALICE_ADMIN, "CreateAccessKey", { userName: "svc-report" }, { at: 60 }),
      },
      {
        name: "another user's inactive key reactivated",
        record: iamCall(MALLORY, "UpdateAccessKey", {
          userName: "svc-legacy",
          accessKeyId: "AKIAQWERTYEXAMPLE003",
          status: "Active",
        }),
      },
    ],
    quiet: [
      {
        name: "a user creates its own key (no userName)",
        record: iamCall(ALICE_ADMIN, "CreateAccessKey", null, {
          responseElements: {
            accessKey: {
              userName: "alice-admin",
              accessKeyId: "AKIAQWERTYEXAMPLE004",
              status: "Active",
              createDate: "Mar 2, 2026, 10:15:00 AM",
            },
          },
        }),
      },
      {
        name: "CreateAccessKey for another user that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "CreateAccessKey",
          requestParameters: { userName: "alice-admin" },
        }),
      },
      {
        name: "another user's key deactivated (the fix)",
        record: iamCall(ALICE_ADMIN, "UpdateAccessKey", {
          userName: "svc-legacy",
          accessKeyId: "AKIAQWERTYEXAMPLE003",
          status: "Inactive",
        }),
      },
      {
        name: "a user names itself in CreateAccessKey",
        record: iamCall(
          ALICE_ADMIN,
          "CreateAccessKey",
          { userName: "alice-admin" },
          {
            responseElements: {
              accessKey: { userName: "alice-admin", accessKeyId: "AKIAQWERTYEXAMPLE005", status: "Active" },
            },
          },
        ),
      },
    ],
  },
};
