import type { Incident } from "../detection/model";

/** Somebody pressing a button or typing a command. */
export interface Responder {
  platform: "slack" | "teams" | "cli" | "auto";
  /** Slack user id, Azure AD object id, "auto" for policy-driven runs. */
  id: string;
  display?: string;
  /** Whether the chat layer verified this responder is a configured approver. */
  approver: boolean;
}

export interface ActionOutcome {
  ok: boolean;
  /** One line for the responder (ephemeral refusal, or what happened). */
  message: string;
  incident?: Incident;
}

/**
 * What responders can do to an incident, whatever chat they use. Implemented in
 * remediation/incidentActions.ts; Slack and Teams call the same object, so a press in either
 * place has the same effect and the same guards (approvers, two-person rule, idempotency).
 */
export interface IncidentActions {
  approve(incidentId: string, who: Responder): Promise<ActionOutcome>;
  undo(incidentId: string, who: Responder): Promise<ActionOutcome>;
  dismiss(incidentId: string, who: Responder, reason: string, suppress: boolean): Promise<ActionOutcome>;
  snooze(incidentId: string, who: Responder, hours: number): Promise<ActionOutcome>;
  assign(incidentId: string, who: Responder): Promise<ActionOutcome>;
  /**
   * Opens the least-privilege change recommended for a principal as an incident with its plan
   * (approved like any other). Absent when remediation is not installed.
   */
  proposeLeastPrivilege?(principal: string, who: Responder): Promise<ActionOutcome>;
}
