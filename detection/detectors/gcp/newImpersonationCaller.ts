import type { Detector } from "../../detector";
import { GCP_DETAIL_CALLS } from "../../normalize/gcpAuditLog";
import { gcpDetails } from "../../normalize/gcpDetails";
import { at, credentialsCall, PERMISSION_DENIED, saEmail } from "./exampleRecords";
import { isExternalMember } from "./gcpRules";

/**
 * GenerateAccessToken / GenerateIdToken / SignBlob / SignJwt on a service account by a caller
 * never seen making that call on that account before (DetectionState remembers actor,
 * action and target). After a restart every caller is new once: the state is in memory, by design.
 * Severity: low when the caller is a service account of the same project (pipelines do this);
 * medium for people and other callers; high when the caller is outside the allowed domains.
 */
export const gcpNewImpersonationCaller: Detector = {
  id: "gcp-new-impersonation-caller",
  title: "Service account impersonated by a new caller",
  category: "sa_impersonation",
  severity: "medium",
  sources: ["gcp"],
  calls: GCP_DETAIL_CALLS.impersonation,
  remembers: (event) => gcpDetails(event)?.impersonation !== undefined,
  match(event, ctx) {
    const imp = gcpDetails(event)?.impersonation;
    if (!event.success || !imp) return [];
    if (ctx.seenBefore(event.actor.id, event.action, event.target.id)) return [];
    const memberish = `${event.actor.kind === "serviceAccount" ? "serviceAccount" : "user"}:${event.actor.id}`;
    const external = isExternalMember(memberish, ctx.allowedDomains, event.target.project);
    return [
      {
        severity: external
          ? "high"
          : event.actor.kind === "serviceAccount" && event.actor.account === event.target.project
            ? "low"
            : "medium",
        summary: `${event.actor.display} called ${imp.operation} on ${imp.serviceAccount} for the first time${external ? " (caller outside the organization)" : ""}`,
        evidence: {
          serviceAccount: imp.serviceAccount,
          operation: imp.operation,
          caller: event.actor.id,
          delegationChain: event.actor.delegationChain,
          callerKey: gcpDetails(event)?.serviceAccountKeyName,
          scopes: imp.scopes,
          lifetime: imp.lifetime,
          project: event.target.project,
          sourceIp: event.sourceIp,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "first GenerateAccessToken by this user on the deployer account",
        record: credentialsCall("GenerateAccessToken", saEmail("deployer"), {
          principal: "henry@example.com",
        }),
      },
      {
        name: "SignBlob by a caller that only ever called GenerateAccessToken",
        history: [
          credentialsCall("GenerateAccessToken", saEmail("deployer"), {
            principal: "henry@example.com",
            timestamp: at(-3600),
          }),
        ],
        record: credentialsCall("SignBlob", saEmail("deployer"), { principal: "henry@example.com" }),
      },
      {
        name: "SignJwt by an outside account",
        record: credentialsCall("SignJwt", saEmail("deployer"), {
          principal: "mallory.ops@gmail.com",
          callerIp: "45.83.64.12",
        }),
      },
    ],
    quiet: [
      {
        name: "the CI runner mints its usual token again",
        history: [
          credentialsCall("GenerateAccessToken", saEmail("deployer"), {
            principal: saEmail("ci-runner"),
            timestamp: at(-1800),
          }),
        ],
        record: credentialsCall("GenerateAccessToken", saEmail("deployer"), {
          principal: saEmail("ci-runner"),
        }),
      },
      {
        name: "denied GenerateAccessToken",
        record: credentialsCall("GenerateAccessToken", saEmail("deployer"), {
          principal: "mallory.ops@gmail.com",
          status: PERMISSION_DENIED,
        }),
      },
    ],
  },
};
