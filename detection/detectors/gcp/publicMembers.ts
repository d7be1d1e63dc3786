import type { Grant, IamEvent } from "../../model";
import { isPublicMember } from "../../model";
import { gcpDetails } from "../../normalize/gcpDetails";
import { effectiveGrants } from "./gcpRules";

/**
 * Public members (allUsers, allAuthenticatedUsers) an event made effective: the ADD deltas,
 * or — when the service logged no delta — the public bindings of the policy now in force.
 */
export function publicGrants(event: IamEvent): readonly Grant[] {
  const effective = effectiveGrants(event);
  // Most events grant nothing: their (empty) list is the answer so far, not a filtered copy.
  const fromDeltas = effective.length ? effective.filter((g) => isPublicMember(g.member)) : effective;
  if (fromDeltas.length || !event.success) return fromDeltas;
  const d = gcpDetails(event);
  if (!d || d.bindingDeltasKnown || !d.policyAfter?.bindings) return fromDeltas;
  return d.policyAfter.bindings.flatMap((b) =>
    b.members.filter(isPublicMember).map((member) => ({ role: b.role, member })),
  );
}

export const STORAGE_SERVICE = "storage.googleapis.com";

export function isStorageEvent(event: IamEvent): boolean {
  return event.service === STORAGE_SERVICE;
}
