import { createHash } from "node:crypto";
import type { Incident } from "../../detection/model";
import { describeRecommendation, type Recommendation, toPlan } from "./recommendation";

/**
 * A recommendation a responder chose to apply, as an incident carrying its plan: the same
 * approve / audit / undo path (remediation/runner.ts) every other change takes, the same card
 * with the same buttons. Undefined when there is nothing to apply.
 */
export const LEAST_PRIVILEGE_DETECTOR = "least-privilege";

export function recommendationIncident(rec: Recommendation, by: string, now: Date): Incident | undefined {
  const plan = toPlan(rec);
  if (!plan) return undefined;
  const at = now.toISOString();
  const key = plan.actions[0].idempotencyKey;
  const id = `lp-${createHash("sha256").update(key).digest("hex").slice(0, 20)}`;
  // Excess is a standing exposure, not an attack in progress: low, growing with what is removed.
  const points = Math.min(40, 10 + Math.round(4 * Math.log2(1 + rec.removedPermissionCount)));
  const project =
    rec.cloud === "gcp"
      ? /^projects\/([^/]+)/.exec(rec.resource)?.[1]
      : /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(rec.principal)?.[1];
  const summary = describeRecommendation(rec);
  return {
    id,
    groupKey: `${LEAST_PRIVILEGE_DETECTOR}|${rec.principal}|${rec.resource}`,
    title: `Least privilege for ${rec.member}`,
    actor: {
      id: rec.principal,
      kind: rec.member.startsWith("serviceAccount:")
        ? "serviceAccount"
        : rec.cloud === "aws"
          ? "role"
          : "user",
      display: rec.member,
      delegationChain: [],
    },
    target: {
      kind: rec.cloud === "gcp" ? rec.resource.split("/")[0].replace(/s$/, "") : "principal",
      id: rec.resource,
      ...(project ? { project } : {}),
      level: rec.cloud === "gcp" && rec.resource.startsWith("projects/") ? "project" : "resource",
    },
    source: rec.cloud,
    category: "other_iam",
    severity: "low",
    findings: [
      {
        id: `${id}-f`,
        detector: LEAST_PRIVILEGE_DETECTOR,
        category: "other_iam",
        severity: "low",
        summary: rec.reason,
        evidence: {
          window: rec.window,
          kept: rec.kept,
          removedRoles: rec.removedRoles,
          addedRoles: rec.addedRoles,
          removedPermissionCount: rec.removedPermissionCount,
          riskiestRemoved: rec.riskiestRemoved,
        },
        eventId: id,
        time: at,
      },
    ],
    eventIds: [],
    firstSeen: at,
    lastSeen: at,
    risk: points,
    factors: [
      {
        name: "unused permissions",
        points,
        why: `${rec.removedPermissionCount.toLocaleString("en-US")} granted permissions unused in ${rec.window.days} days`,
      },
    ],
    anomalyScore: 0,
    anomalyReasons: [],
    loweredBy: [],
    state: "open",
    stateChangedAt: at,
    plan,
    timeline: [{ at, by, what: `Least-privilege change proposed: ${summary}` }],
    chat: {},
    createdAt: at,
    updatedAt: at,
  };
}
