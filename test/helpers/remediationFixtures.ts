import type { ChatChannel } from "../../bot/chatChannel";
import type { Finding, Incident } from "../../detection/model";

/** A chat channel that keeps every card and notice it is given, for assertions. */
export class CapturingChannel implements ChatChannel {
  readonly name = "console" as const;
  readonly cards: Incident[] = [];
  readonly notices: string[] = [];
  async publishIncident(incident: Incident): Promise<void> {
    this.cards.push(structuredClone(incident));
  }
  async notify(text: string): Promise<void> {
    this.notices.push(text);
  }
  last(id: string): Incident | undefined {
    return [...this.cards].reverse().find((c) => c.id === id);
  }
}

export function publicBucketFinding(bucket: string, eventId = "gcp:evt-1"): Finding {
  return {
    id: `f-public-${bucket}`,
    detector: "gcp-public-bucket",
    category: "public_exposure",
    severity: "critical",
    summary: `gs://${bucket} was made public (allUsers)`,
    evidence: {
      resource: `projects/_/buckets/${bucket}`,
      resourceKind: "bucket",
      members: ["allUsers"],
      roles: ["roles/storage.objectViewer"],
    },
    eventId,
    time: "2026-11-20T14:03:12.483Z",
  };
}

export function ownerGrantFinding(project: string, member: string): Finding {
  return {
    id: `f-owner-${project}-${member}`,
    detector: "gcp-owner-editor-grant",
    category: "admin_grant",
    severity: "critical",
    summary: `${member} was granted roles/owner on ${project}`,
    evidence: { resource: `projects/${project}`, member, role: "roles/owner" },
    eventId: "gcp:evt-owner",
    time: "2026-11-20T14:03:12.483Z",
  };
}

/** An open incident as the processor stores it (before remediation plans it). */
export function openIncident(id: string, findings: Finding[], risk = 92): Incident {
  const at = "2026-11-20T14:03:20.000Z";
  return {
    id,
    groupKey: `mallory@example.com|${id}`,
    title: findings[0]?.summary ?? "incident",
    actor: { id: "mallory@example.com", kind: "user", display: "mallory@example.com", delegationChain: [] },
    target: {
      kind: "bucket",
      id: "projects/_/buckets/acme-prod-invoices",
      project: "acme-prod",
      level: "resource",
    },
    source: "gcp",
    category: findings[0]?.category ?? "public_exposure",
    severity: "critical",
    findings,
    eventIds: findings.map((f) => f.eventId),
    firstSeen: at,
    lastSeen: at,
    risk,
    factors: [{ name: "public", points: risk, why: "test" }],
    anomalyScore: 0,
    anomalyReasons: [],
    loweredBy: [],
    state: "open",
    stateChangedAt: at,
    timeline: [{ at, by: "system", what: "opened" }],
    chat: {},
    createdAt: at,
    updatedAt: at,
  };
}
