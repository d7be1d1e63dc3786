import type { Identity } from "../../detection/model";
import type { LifecycleChange } from "./lifecycleEvents";

/**
 * Identity document after a lifecycle change. Pure. Joiners get an onboarding window; movers
 * keep their history and take the new department/title; leavers are marked so any later
 * cloud activity of theirs scores high.
 */
export function nextIdentity(
  current: Identity | null,
  c: LifecycleChange,
  opts: { onboardingDays: number; now: Date },
): Identity | null {
  const email = c.email ?? current?.email;
  const id = current?.id ?? email;
  if (!id) return null;
  const at = opts.now.toISOString();
  const base: Identity = current ?? {
    id,
    kind: "user",
    display: c.name ?? id,
    email,
    aliases: [],
    lifecycle: "unknown",
    knownToIga: true,
    riskHistory: [],
    updatedAt: at,
  };
  const next: Identity = {
    ...base,
    email,
    display: c.name ?? base.display,
    department: c.department ?? base.department,
    title: c.title ?? base.title,
    manager: c.manager ?? base.manager,
    sailpointId: c.sailpointId ?? base.sailpointId,
    knownToIga: true,
    updatedAt: at,
  };
  const setLifecycle = (l: Identity["lifecycle"]) => {
    if (next.lifecycle !== l) {
      next.lifecycle = l;
      next.lifecycleChangedAt = c.at;
    }
  };
  switch (c.kind) {
    case "joiner": {
      // A re-sent "created" for someone already active must not reopen their onboarding window.
      if (base.lifecycle === "unknown" || base.lifecycle === "leaver" || !current) {
        setLifecycle("joiner");
        next.onboardingUntil = new Date(Date.parse(c.at) + opts.onboardingDays * 86_400_000).toISOString();
      }
      break;
    }
    case "mover":
      setLifecycle("mover");
      break;
    case "leaver":
      setLifecycle("leaver");
      next.onboardingUntil = undefined;
      break;
    case "certification":
      next.lastCertifiedAt = c.certification?.signed ?? c.at;
      break;
    default:
      break;
  }
  return next;
}
