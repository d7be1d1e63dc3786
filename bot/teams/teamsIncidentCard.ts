import type { Incident } from "../../detection/model";
import { dismissForm } from "../views/dismissForm";
import { incidentCardView } from "../views/incidentCard";
import { type AdaptiveCard, renderCard } from "./adaptiveCard";

export interface TeamsCardOptions {
  /** The approver's own view (Approve/Undo shown), returned to approvers on press and refresh. */
  approver: boolean;
  /** Teams user ids (MRIs) whose client fetches their own view of the card. */
  refreshFor?: string[];
  detailsUrl?: string;
  now?: Date;
}

/**
 * The incident card as Teams shows it. Everyone sees the state and the actions anyone may take;
 * approvers listed in refreshFor get the same card with Approve/Undo through Universal Actions'
 * refresh, so the buttons are only on the screens of those who may press them.
 */
export function teamsIncidentCard(incident: Incident, opts: TeamsCardOptions): AdaptiveCard {
  const view = incidentCardView(incident, { detailsUrl: opts.detailsUrl, now: opts.now });
  return renderCard(view, {
    approverActions: opts.approver,
    dismissForm: dismissForm(incident),
    refreshFor: opts.refreshFor,
    incidentId: incident.id,
  });
}
