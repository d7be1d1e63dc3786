import type { IscTriggerId } from "./schemas";
import {
  IiqLifecycleEventSchema,
  IscAccessRequestDecidedSchema,
  IscCertificationSignedOffSchema,
  IscIdentityAttributesChangedSchema,
  IscIdentitySnapshotSchema,
  IscTriggerIdSchema,
  iiqEnterprise,
} from "./schemas";

/**
 * SailPoint payload → one LifecycleChange. Pure: the handler authenticates and persists, the
 * service acts. ISC sends the trigger input alone, so which trigger it was comes from the
 * subscription URL (?trigger=) or header; without it the shape decides, and an identity
 * snapshot whose cloudLifecycleState is a leaver state counts as a leaver.
 */

export type ChangeKind = "joiner" | "mover" | "leaver" | "update" | "access-request" | "certification";

export interface LifecycleChange {
  /** Dedupe key: the sender's id when it has one, else trigger + hash of the raw body. */
  eventId: string;
  origin: "isc" | "iiq";
  kind: ChangeKind;
  at: string;
  sailpointId?: string;
  name?: string;
  email?: string;
  department?: string;
  title?: string;
  manager?: string;
  lifecycleState?: string;
  previous?: { department?: string; title?: string; manager?: string; lifecycleState?: string };
  /** One line for the lifecycle history. */
  detail: string;
  accessItems?: { name: string; type: string; operation: string; decision: string }[];
  certification?: { id: string; name: string; campaign: string; signed: string; reviewer: string };
}

export type Classified = { ok: true; change: LifecycleChange } | { ok: false; problem: string };

export interface ClassifyOptions {
  trigger?: string;
  /** Sender's event id header, if any. */
  headerId?: string;
  /** sha256 of the raw body (hex). */
  bodyHash: string;
  leaverStates: string[];
  now: Date;
}

function text(v: unknown): string | undefined {
  if (typeof v === "string" && v.trim()) return v.trim();
  if (v && typeof v === "object" && "name" in v && typeof (v as { name: unknown }).name === "string")
    return (v as { name: string }).name;
  return undefined;
}

const MOVER_ATTRIBUTES = new Set(["department", "title", "manager", "jobTitle", "managerRef"]);
const LIFECYCLE_ATTRIBUTE = "cloudLifecycleState";

function fromSnapshot(
  trigger: IscTriggerId | undefined,
  body: unknown,
  o: ClassifyOptions,
  eventId: string,
): Classified | undefined {
  const snap = IscIdentitySnapshotSchema.safeParse(body);
  if (!snap.success) return undefined;
  const a = snap.data.attributes;
  const state = text(a[LIFECYCLE_ATTRIBUTE])?.toLowerCase();
  const leaverState = state !== undefined && o.leaverStates.includes(state);
  const kind =
    trigger === "idn:identity-deleted" || leaverState
      ? "leaver"
      : trigger === "idn:identity-created" || trigger === undefined
        ? "joiner"
        : "update";
  return {
    ok: true,
    change: {
      eventId,
      origin: "isc",
      kind,
      at: o.now.toISOString(),
      sailpointId: snap.data.identity.id,
      name: snap.data.identity.name,
      email: text(a.email)?.toLowerCase(),
      department: text(a.department),
      title: text(a.title),
      manager: text(a.manager),
      lifecycleState: state,
      detail:
        trigger === "idn:identity-deleted"
          ? "identity deleted in SailPoint"
          : kind === "leaver"
            ? `lifecycle state ${state}`
            : `identity created (${[text(a.department), text(a.title)].filter(Boolean).join(", ") || "no department"})`,
    },
  };
}

export function classifySailpoint(body: unknown, o: ClassifyOptions): Classified {
  let trigger: IscTriggerId | undefined;
  if (o.trigger) {
    const t = IscTriggerIdSchema.safeParse(o.trigger);
    if (!t.success) return { ok: false, problem: `unknown trigger "${o.trigger.slice(0, 60)}"` };
    trigger = t.data;
  }
  const isc = (id: string) => o.headerId ?? `isc:${trigger ?? id}:${o.bodyHash}`;

  // IdentityIQ: its own envelope carries an event id.
  if (!trigger && body && typeof body === "object" && "eventType" in body) {
    const iiq = IiqLifecycleEventSchema.safeParse(body);
    if (!iiq.success) return { ok: false, problem: `IdentityIQ event: ${iiq.error.issues[0]?.message}` };
    const e = iiq.data;
    const ent = iiqEnterprise(e.user);
    const email = (e.user.emails.find((m) => m.primary) ?? e.user.emails[0])?.value ?? e.user.userName;
    return {
      ok: true,
      change: {
        eventId: `iiq:${e.eventId}`,
        origin: "iiq",
        kind: e.eventType === "leaver" || e.user.active === false ? "leaver" : e.eventType,
        at: e.timestamp,
        sailpointId: e.user.id,
        name: e.user.displayName ?? e.user.userName,
        email: email.toLowerCase(),
        department: ent?.department,
        title: e.user.title,
        manager: ent?.manager?.displayName ?? ent?.manager?.value,
        previous: e.previous,
        detail: `IdentityIQ ${e.eventType}`,
      },
    };
  }

  if (
    trigger === "idn:identity-attributes-changed" ||
    (!trigger && body && typeof body === "object" && "changes" in body)
  ) {
    const p = IscIdentityAttributesChangedSchema.safeParse(body);
    if (!p.success)
      return { ok: false, problem: `identity attributes changed: ${p.error.issues[0]?.message}` };
    const c: LifecycleChange = {
      eventId: isc("idn:identity-attributes-changed"),
      origin: "isc",
      kind: "update",
      at: o.now.toISOString(),
      sailpointId: p.data.identity.id,
      name: p.data.identity.name,
      previous: {},
      detail: "",
    };
    const moved: string[] = [];
    for (const ch of p.data.changes) {
      const now = text(ch.newValue);
      const was = text(ch.oldValue);
      if (ch.attribute === "email") c.email = now?.toLowerCase();
      if (ch.attribute === "department") [c.department, c.previous!.department] = [now, was];
      if (ch.attribute === "title" || ch.attribute === "jobTitle") [c.title, c.previous!.title] = [now, was];
      if (ch.attribute === "manager" || ch.attribute === "managerRef")
        [c.manager, c.previous!.manager] = [now, was];
      if (ch.attribute === LIFECYCLE_ATTRIBUTE) {
        c.lifecycleState = now?.toLowerCase();
        c.previous!.lifecycleState = was?.toLowerCase();
      }
      if (MOVER_ATTRIBUTES.has(ch.attribute)) moved.push(`${ch.attribute}: ${was ?? "—"} → ${now ?? "—"}`);
    }
    if (c.lifecycleState && o.leaverStates.includes(c.lifecycleState)) {
      c.kind = "leaver";
      c.detail = `lifecycle state ${c.previous?.lifecycleState ?? "—"} → ${c.lifecycleState}`;
    } else if (moved.length) {
      c.kind = "mover";
      c.detail = moved.join("; ");
    } else {
      c.detail = p.data.changes.map((x) => x.attribute).join(", ");
    }
    return { ok: true, change: c };
  }

  if (
    trigger === "idn:access-request-post-approval" ||
    (!trigger && body && typeof body === "object" && "accessRequestId" in body)
  ) {
    const p = IscAccessRequestDecidedSchema.safeParse(body);
    if (!p.success) return { ok: false, problem: `access request: ${p.error.issues[0]?.message}` };
    const who = p.data.requestedFor[0];
    const items = p.data.requestedItemsStatus.map((i) => ({
      name: i.name,
      type: i.type,
      operation: i.operation,
      decision: i.approvalInfo.some((a) => a.approvalDecision === "DENIED") ? "DENIED" : "APPROVED",
    }));
    return {
      ok: true,
      change: {
        eventId: o.headerId ?? `isc:access-request:${p.data.accessRequestId}`,
        origin: "isc",
        kind: "access-request",
        at: o.now.toISOString(),
        sailpointId: who?.id,
        name: who?.name,
        accessItems: items,
        detail: items.map((i) => `${i.operation} ${i.name}: ${i.decision}`).join("; "),
      },
    };
  }

  if (
    trigger === "idn:certification-signed-off" ||
    (!trigger && body && typeof body === "object" && "certification" in body)
  ) {
    const p = IscCertificationSignedOffSchema.safeParse(body);
    if (!p.success) return { ok: false, problem: `certification: ${p.error.issues[0]?.message}` };
    const cert = p.data.certification;
    return {
      ok: true,
      change: {
        eventId: o.headerId ?? `isc:certification:${cert.id}`,
        origin: "isc",
        kind: "certification",
        at: cert.signed,
        certification: {
          id: cert.id,
          name: cert.name,
          campaign: cert.campaignRef.name,
          signed: cert.signed,
          reviewer: cert.reviewer.name,
        },
        detail: `certification "${cert.name}" signed off by ${cert.reviewer.name} (${cert.decisionsMade}/${cert.decisionsTotal} decisions)`,
      },
    };
  }

  const snap = fromSnapshot(trigger, body, o, isc(trigger ?? "identity"));
  if (snap) return snap;
  return { ok: false, problem: "not a SailPoint ISC trigger input or IdentityIQ lifecycle event" };
}
