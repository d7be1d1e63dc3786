import * as crypto from "node:crypto";
import type { Category, Finding, IamEvent, Identity, Severity, Source } from "./model";

/**
 * One detector, one file (detection/detectors/*.ts), as Panther keeps rules: id, category,
 * severity, the sources it reads, a pure match function, and its own examples that must fire
 * and must not fire. test/detection/detectorExamples.test.ts runs every detector's examples.
 */

/** What a detector may consult besides the event: all of it in memory, no I/O. */
export interface DetectionContext {
  /** Domains whose members are internal (config ALLOWED_DOMAINS); empty = skip that check. */
  allowedDomains: string[];
  /** AWS account ids that belong to the organization (cross-account checks). */
  internalAccounts: string[];
  /**
   * Recent events by the same actor (oldest first), for burst / sequence detectors: those some
   * detector `keeps`, within the last hour of the actor's events.
   */
  recentByActor: (actorId: string) => readonly IamEvent[];
  /**
   * Whether this actor made this call on this target before ("callers not seen before");
   * targetId "*" asks about any target. Answers for the events a detector `remembers`.
   */
  seenBefore: (actorId: string, action: string, targetId: string) => boolean;
  /** The identity behind a principal, from the IGA, when known. */
  identity: (principalId: string) => Identity | undefined;
  /** AWS IAM groups known to hold admin-grade policies (from earlier attach events). */
  privilegedGroups: ReadonlySet<string>;
  /** Principals (AWS user / role ARNs) seen receiving admin-grade access earlier (learnFromFindings). */
  privilegedPrincipals: ReadonlySet<string>;
}

export interface DetectorExample {
  name: string;
  /** A raw provider record in its documented shape (CloudTrail record, Cloud Audit LogEntry). */
  record: unknown;
  /** Earlier raw records by the same actor fed first (burst / sequence detectors). */
  history?: unknown[];
  /** Overrides of the default example context. */
  context?: Partial<Pick<DetectionContext, "allowedDomains" | "internalAccounts">>;
}

export interface Detector {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  sources: Source[];
  /** Remediation playbook run by default for its findings (remediation/playbooks.ts), if any. */
  playbook?: string;
  /**
   * The events this detector (or a helper it calls) reads back through `ctx.recentByActor`. The
   * state keeps only events some detector names here: keeping every routine read for an hour
   * made each event outlive the young generation, and garbage collection dominated the pipeline.
   */
  keeps?: (event: IamEvent) => boolean;
  /**
   * The events whose actor → action → target this detector later asks `ctx.seenBefore` about.
   * The state remembers only events some detector names here: remembering every data read
   * would cost each event a lookup and push the keys that matter out of the bounded memory.
   */
  remembers?: (event: IamEvent) => boolean;
  /**
   * The calls this detector can fire on, when it fires on few: a pure test of the event's service
   * and action alone, true for every event match could return a finding for. runDetectors asks it
   * once per (source, service, action) and skips match for the calls it refuses; without it the
   * detector sees every event of its sources. match keeps its own test of the call as well.
   */
  calls?: CallFilter;
  /** Pure: same event and context, same findings. Read only by the runner (NO_FINDINGS for none). */
  match(event: IamEvent, ctx: DetectionContext): readonly FindingDraft[];
  examples: { fire: DetectorExample[]; quiet: DetectorExample[] };
}

/** Whether a detector can fire on a call, from its service (eventSource / serviceName) and action. */
export type CallFilter = (service: string, action: string) => boolean;

/** `calls` of a detector that fires only on these actions, whatever the service. */
export function actionIn(...actions: string[]): CallFilter {
  const names = new Set(actions);
  return (_service, action) => names.has(action);
}

/** `calls` of a detector that fires only on calls to services named with this prefix ("cloudtrail."). */
export function serviceStartsWith(prefix: string): CallFilter {
  return (service) => service.startsWith(prefix);
}

/** What match returns; the runner fills id, detector, category, eventId and time. */
export interface FindingDraft {
  summary: string;
  evidence: Record<string, unknown>;
  /** Overrides the detector's default severity for this finding. */
  severity?: Severity;
  /** Distinguishes several findings of one detector on one event (e.g. per member). */
  discriminator?: string;
}

/**
 * What match returns when nothing fired: one shared empty list, not a new one per detector per
 * event (most events raise nothing, and each array was garbage for the next scavenge).
 */
export const NO_FINDINGS: readonly FindingDraft[] = Object.freeze([]);

/**
 * SHA-256 of a UTF-8 string, hex. One-shot `crypto.hash` (Node >= 20.12) is half the cost of a
 * Hash object per finding; the same digest either way (engines allow 20.11, hence the fallback).
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

export function findingId(eventId: string, detectorId: string, discriminator = ""): string {
  return sha256Hex(`${eventId}\u0000${detectorId}\u0000${discriminator}`).slice(0, 24);
}

export function toFinding(d: Detector, event: IamEvent, draft: FindingDraft): Finding {
  return {
    id: findingId(`${event.source}:${event.id}`, d.id, draft.discriminator),
    detector: d.id,
    category: d.category,
    severity: draft.severity ?? d.severity,
    summary: draft.summary,
    evidence: draft.evidence,
    eventId: `${event.source}:${event.id}`,
    time: event.time,
  };
}
