import { appendAudit } from "../integrations/store/audit";
import type { Store } from "../integrations/store/store";
import type { ActionOutcome, IncidentActions, Responder } from "./incidentActions";
import type { ActionId } from "./views/view";

/**
 * What Slack and Teams do alike when a card button is pressed, before acting on it: the press
 * is audited (who, which button, where), and "Propose this change" — which carries a principal,
 * not an incident — is answered the same way on both.
 */

/** Records the press; `value` is the incident id, or for propose_change the principal. */
export async function auditPress(
  store: Store,
  by: string,
  id: ActionId,
  value: string,
  who: Responder,
  where: Record<string, unknown>,
): Promise<void> {
  const proposing = id === "propose_change";
  await appendAudit(store, {
    actor: by,
    action: `press:${id}`,
    ...(proposing ? {} : { incidentId: value }),
    detail: {
      display: who.display,
      approver: who.approver,
      ...where,
      ...(proposing ? { principal: value } : {}),
    },
  });
}

/** Opens the recommended change for approval, or says why it cannot be. */
export function proposeChange(
  actions: IncidentActions,
  principal: string,
  who: Responder,
): Promise<ActionOutcome> {
  return actions.proposeLeastPrivilege
    ? actions.proposeLeastPrivilege(principal, who)
    : Promise.resolve({
        ok: false,
        message: "Remediation is not enabled on this server, so nothing can be proposed.",
      });
}
