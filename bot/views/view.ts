/**
 * The platform-neutral view model: every message the bot shows (incident card, status,
 * identity health, lifecycle, recommendation, digest, help, lists, notices) is built as one
 * of these by a pure function in bot/views/, then rendered by bot/slack/blockKit.ts (Block
 * Kit), the Teams renderer (Adaptive Cards) or bot/console (terminal). All wording lives in
 * the view functions; renderers only lay it out, escape it and fit it to platform limits.
 */
import type { RiskBand } from "./riskBand";

export type ViewKind =
  | "incident"
  | "incidentList"
  | "status"
  | "identity"
  | "lifecycle"
  | "recommendation"
  | "digest"
  | "help"
  | "notice";

export interface Badge {
  band: RiskBand;
  score: number;
  /** Words for the badge, e.g. "High risk · 72/100". */
  label: string;
}

/** A short label/value pair; on phones they render as two columns instead of a table. */
export interface Field {
  label: string;
  value: string;
  /** ISO time: renderers show it in each reader's local time (value is the fallback). */
  at?: string;
}

/** A block of plain text lines under an optional heading. Lines never carry markup. */
export interface Section {
  heading?: string;
  lines: string[];
}

/** Stable ids of what a responder can press; handlers dispatch on them on every platform. */
export type ActionId =
  | "approve"
  | "undo"
  | "dismiss"
  | "snooze_1h"
  | "snooze_24h"
  | "assign"
  | "details"
  | "propose_change";

/** Buttons that call back to the bot (Details only opens its link), on every platform. */
export const CALLBACK_ACTIONS: ActionId[] = [
  "approve",
  "undo",
  "dismiss",
  "snooze_1h",
  "snooze_24h",
  "assign",
  "propose_change",
];

/** Only configured approvers may press these; the others are open to every responder. */
export const APPROVER_ACTIONS: ActionId[] = ["approve", "undo"];

export interface ViewAction {
  id: ActionId;
  label: string;
  style?: "primary" | "danger";
  /** Carried back on press: the incident id (for propose_change, the principal). */
  value: string;
  /** Opens a link instead of calling back (Details). */
  url?: string;
  /** Ask before acting; the text names exactly what will change. */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export interface View {
  kind: ViewKind;
  title: string;
  badge?: Badge;
  fields: Field[];
  sections: Section[];
  /** Short status facts shown small (e.g. "Needs approval", "Dry run"). */
  facts: string[];
  actions: ViewAction[];
  footer?: string;
  /** One-line plain text for notifications and clients that cannot show cards. */
  fallback: string;
}

export function emptyView(kind: ViewKind, title: string): View {
  return { kind, title, fields: [], sections: [], facts: [], actions: [], fallback: title };
}
