import { type Detector, NO_FINDINGS } from "../../detector";
import type { IamEvent } from "../../model";
import { ALICE_ADMIN, ctRecord, denied, iamUser, MALLORY } from "./exampleRecords";
import { eventMs } from "./shared";

export const AWS_DENIED_BURST_THRESHOLD = 10;
export const AWS_DENIED_BURST_WINDOW_MS = 5 * 60 * 1000;

/** Error codes AWS services use for "not allowed" (IAM policy, SCP, EC2 dry-run style). */
const DENIED_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "Client.UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthorizationError",
  "AuthorizationErrorException",
  "Forbidden",
  "ForbiddenException",
  "NotAuthorized",
]);

/** Services whose calls map identities and trust (IAM, STS, Organizations, Identity Center, KMS...). */
const IDENTITY_SERVICES =
  /^(iam|sts|organizations|sso|sso-directory|identitystore|access-analyzer|kms|secretsmanager)\./;
const ENUMERATION = /^(List|Get|Describe|Search|Lookup|BatchGet|Scan)/;

/** A refused IAM / STS / identity call, or a refused enumeration call on any service. */
export function isDeniedRecon(e: IamEvent): boolean {
  if (e.source !== "aws" || e.success || !e.errorCode || !DENIED_CODES.has(e.errorCode)) return false;
  return IDENTITY_SERVICES.test(e.service) || ENUMERATION.test(e.action);
}

const PROBES: [string, string][] = [
  ["iam.amazonaws.com", "ListUsers"],
  ["iam.amazonaws.com", "ListRoles"],
  ["iam.amazonaws.com", "GetAccountAuthorizationDetails"],
  ["iam.amazonaws.com", "ListAttachedUserPolicies"],
  ["organizations.amazonaws.com", "DescribeOrganization"],
  ["iam.amazonaws.com", "ListGroups"],
  ["s3.amazonaws.com", "ListBuckets"],
  ["ec2.amazonaws.com", "DescribeInstances"],
  ["secretsmanager.amazonaws.com", "ListSecrets"],
  ["iam.amazonaws.com", "ListPolicies"],
  ["kms.amazonaws.com", "ListKeys"],
];

/** The first `n` calls of an enumeration run, `gap` seconds apart. */
function probe(identity: Record<string, unknown>, n: number, gap = 10): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const [eventSource, eventName] = PROBES[i % PROBES.length];
    return denied(
      {
        identity,
        eventSource,
        eventName,
        requestParameters: null,
        at: i * gap,
        sourceIPAddress: "198.51.100.77",
      },
      eventSource.startsWith("ec2.") ? "Client.UnauthorizedOperation" : "AccessDenied",
    );
  });
}

function putObjectDenied(i: number): Record<string, unknown> {
  return denied({
    identity: iamUser("svc-uploader"),
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    requestParameters: { bucketName: "prod-invoices", key: `in/${i}.csv` },
    at: i * 10,
  });
}

/**
 * Reconnaissance: one actor collecting at least 10 refused IAM / STS / enumeration calls within
 * 5 minutes, the shape of someone testing what a stolen key can do (Pacu, enumerate-iam).
 * Fires once, on the call that crosses the threshold. Severity medium.
 */
export const awsDeniedBurst: Detector = {
  id: "aws-denied-burst",
  title: "Burst of denied AWS enumeration calls by one actor",
  category: "recon",
  severity: "medium",
  sources: ["aws"],
  keeps: isDeniedRecon,
  playbook: "quarantine-identity",
  match(event, ctx) {
    if (!isDeniedRecon(event)) return NO_FINDINGS;
    const now = eventMs(event);
    // Newest first, stopping at the window's edge: a long probing run stays cheap per event.
    const recent = ctx.recentByActor(event.actor.id);
    const earlier: IamEvent[] = [];
    for (let i = recent.length - 1; i >= 0; i--) {
      const e = recent[i];
      const t = eventMs(e);
      if (now - t > AWS_DENIED_BURST_WINDOW_MS) break;
      if (e.id === event.id || t > now || !isDeniedRecon(e)) continue;
      earlier.push(e);
      if (earlier.length >= AWS_DENIED_BURST_THRESHOLD) return [];
    }
    if (earlier.length !== AWS_DENIED_BURST_THRESHOLD - 1) return [];
    earlier.reverse();
    const all = [...earlier, event];
    const calls = [...new Set(all.map((e) => `${e.service.split(".")[0]}:${e.action}`))];
    const spanS = Math.round((now - eventMs(all[0])) / 1000);
    return [
      {
        summary: `${event.actor.display} was denied ${all.length} calls in ${spanS}s (${calls.slice(0, 3).join(", ")}${calls.length > 3 ? ", …" : ""})`,
        evidence: {
          actor: event.actor.id,
          count: all.length,
          windowSeconds: AWS_DENIED_BURST_WINDOW_MS / 1000,
          calls,
          errorCodes: [...new Set(all.map((e) => e.errorCode))],
          sourceIps: [...new Set(all.map((e) => e.sourceIp).filter(Boolean))],
          accessKeyIds: [...new Set(all.map((e) => e.details.callerAccessKeyId).filter(Boolean))],
          eventIds: all.map((e) => e.id),
          ...(event.actor.kind === "user" ? { userName: event.actor.display } : {}),
          account: event.actor.account,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "tenth denied IAM/STS call within two minutes",
        history: probe(MALLORY, 9),
        record: probe(MALLORY, 10)[9],
      },
    ],
    quiet: [
      {
        name: "eleventh denied call (already reported at the tenth)",
        history: probe(MALLORY, 10),
        record: probe(MALLORY, 11)[10],
      },
      { name: "nine denied calls only", history: probe(MALLORY, 8), record: probe(MALLORY, 9)[8] },
      {
        name: "ten denied calls spread over an hour",
        history: probe(MALLORY, 9, 400),
        record: probe(MALLORY, 10, 400)[9],
      },
      {
        name: "ten denied writes outside identity services (an app's misconfigured role)",
        history: Array.from({ length: 9 }, (_, i) => putObjectDenied(i)),
        record: putObjectDenied(9),
      },
      {
        name: "ten successful IAM reads",
        history: Array.from({ length: 9 }, (_, i) =>
          ctRecord({
            identity: ALICE_ADMIN,
            eventSource: "iam.amazonaws.com",
            eventName: "ListUsers",
            at: i * 5,
            salt: String(i),
          }),
        ),
        record: ctRecord({
          identity: ALICE_ADMIN,
          eventSource: "iam.amazonaws.com",
          eventName: "ListRoles",
          at: 50,
        }),
      },
    ],
  },
};
