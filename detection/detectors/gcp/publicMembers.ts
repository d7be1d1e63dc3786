import type { Grant, IamEvent } from "../../model";
import { isPublicMember } from "../../model";
import { gcpDetails } from "../../normalize/gcpDetails";
import { effectiveGrants } from "./gcpRules";

/**
 * Public members (allUsers, allAuthenticatedUsers) an event made effective: the ADD deltas,
 * or — when the service logged no delta — the public bindings of the policy now in force.
 */
export function publicGrants(event: IamEvent): Grant[] {
  const fromDeltas = effectiveGrants(event).filter((g) => isPublicMember(g.member));
  if (fromDeltas.length || !event.success) return fromDeltas;
  const d = gcpDetails(event);
  if (!d || d.bindingDeltasKnown || !d.policyAfter?.bindings) return [];
  return d.policyAfter.bindings.flatMap((b) =>
    b.members.filter(isPublicMember).map((member) => ({ role: b.role, member })),
  );
}

export const STORAGE_SERVICE = "storage.googleapis.com";

export function isStorageEvent(event: IamEvent): boolean {
  return event.service === STORAGE_SERVICE;
}
