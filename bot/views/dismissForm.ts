import type { Incident } from "../../detection/model";

/** The "Dismiss as false positive" form (Slack modal, Teams card input), wording only. */
export interface DismissForm {
  title: string;
  intro: string;
  reasonLabel: string;
  reasonPlaceholder: string;
  suppressLabel: string;
  suppressHint: string;
  submit: string;
  cancel: string;
}

export function dismissForm(incident: Incident): DismissForm {
  return {
    title: "Dismiss incident",
    intro: `Dismiss "${incident.title}" (${incident.actor.display}) as a false positive.`,
    reasonLabel: "Why is this a false positive?",
    reasonPlaceholder: "e.g. planned break-glass change, ticket SEC-123",
    suppressLabel: "Add to suppression list",
    suppressHint: `Stop alerting on ${incident.actor.display} for this detector`,
    submit: "Dismiss",
    cancel: "Cancel",
  };
}
