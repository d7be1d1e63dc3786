import type { DismissForm } from "../views/dismissForm";
import type { RiskBand } from "../views/riskBand";
import { type ActionId, APPROVER_ACTIONS, type Field, type View, type ViewAction } from "../views/view";

/**
 * Renders a view model to an Adaptive Card (schema 1.5, as Teams shows it). Layout only:
 * wording comes from bot/views. Text that came from outside (actor names, resource ids,
 * reasons) goes in RichTextBlock TextRuns, which Teams shows as plain text, so it can neither
 * link nor format; only the renderer's own labels use TextBlock.
 *
 * Buttons are Universal Actions (Action.Execute) carrying the verb (the view's ActionId) and
 * the incident id; Approve and Undo open a confirmation first (Action.ShowCard), Dismiss opens
 * its reason form, Details opens the signed link.
 */

export type AdaptiveElement = Record<string, unknown>;

export interface AdaptiveCard {
  type: "AdaptiveCard";
  $schema: string;
  version: "1.5";
  body: AdaptiveElement[];
  actions?: AdaptiveElement[];
  refresh?: { action: AdaptiveElement; userIds?: string[] };
  fallbackText?: string;
  msteams?: { width: "Full" };
}

export const CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";
/** What Action.Execute carries back (besides the verb), and the Dismiss form's input ids. */
export const INPUT = { reason: "reason", suppress: "suppress" } as const;
/** Verb Teams sends when it refreshes a card for a user listed in refresh.userIds. */
export const REFRESH_VERB = "refresh";

export interface ActionData {
  incidentId: string;
  [INPUT.reason]?: string;
  [INPUT.suppress]?: string;
}

export interface RenderOptions {
  /** Include Approve/Undo: the card an approver sees. Others see the state and the rest. */
  approverActions?: boolean;
  /** The Dismiss form's wording (incident cards); without it Dismiss is left out. */
  dismissForm?: DismissForm;
  /** Users (AAD object ids) whose Teams client asks the bot for their own card on view. */
  refreshFor?: string[];
  /** Incident id for the refresh action. */
  incidentId?: string;
}

const BAND_COLOR: Record<RiskBand, string> = {
  critical: "Attention",
  high: "Attention",
  medium: "Warning",
  low: "Good",
};

const APPROVER_ONLY = APPROVER_ACTIONS;
/** The default host config allows 5 top-level actions (Teams 6); the two snoozes share one. */
const MAX_ACTIONS = 5;
const SNOOZE: ActionId[] = ["snooze_1h", "snooze_24h"];
const MAX_TEXT = 2000;
const MAX_LINES = 40;

const nonEmpty = (s: string) => (s.trim() ? s : "-");

/** Cuts text to max characters (code points kept whole), marking the cut with "…". */
export function cutText(s: string, max = MAX_TEXT): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}

/** Plain text that Teams will not interpret as markdown. */
function plain(text: string, extra: AdaptiveElement = {}): AdaptiveElement {
  return {
    type: "RichTextBlock",
    inlines: [{ type: "TextRun", text: cutText(nonEmpty(text)), ...extra }],
  };
}

/** Our own words, but still a TextRun: a label never needs markdown. */
function label(text: string, extra: AdaptiveElement = {}): AdaptiveElement {
  return plain(text, { weight: "Bolder", ...extra });
}

function fieldRow(f: Field, first: boolean): AdaptiveElement {
  return {
    type: "ColumnSet",
    spacing: first ? "Medium" : "Small",
    columns: [
      { type: "Column", width: "90px", items: [label(f.label, { isSubtle: true })] },
      { type: "Column", width: "stretch", items: [plain(f.value)] },
    ],
  };
}

function executeAction(a: ViewAction, title: string, extra: AdaptiveElement = {}): AdaptiveElement {
  const data: ActionData = { incidentId: a.value };
  return {
    type: "Action.Execute",
    title: cutText(title, 60),
    verb: a.id,
    data,
    ...(a.style === "primary" ? { style: "positive" } : a.style === "danger" ? { style: "destructive" } : {}),
    ...extra,
  };
}

function confirmCard(body: AdaptiveElement[], actions: AdaptiveElement[]): AdaptiveElement {
  return { type: "AdaptiveCard", version: "1.5", body, actions };
}

function action(a: ViewAction, opts: RenderOptions): AdaptiveElement | undefined {
  if (a.url) return { type: "Action.OpenUrl", title: cutText(a.label, 60), url: a.url };
  if (APPROVER_ONLY.includes(a.id) && !opts.approverActions) return undefined;
  if (a.id === "dismiss") {
    const f = opts.dismissForm;
    if (!f) return undefined;
    return {
      type: "Action.ShowCard",
      title: cutText(a.label, 60),
      card: confirmCard(
        [
          plain(f.intro),
          {
            type: "Input.Text",
            id: INPUT.reason,
            label: f.reasonLabel,
            placeholder: f.reasonPlaceholder,
            isMultiline: true,
            maxLength: 500,
            isRequired: true,
            errorMessage: "Say why, for the audit log.",
          },
          {
            type: "Input.Toggle",
            id: INPUT.suppress,
            title: f.suppressHint,
            label: f.suppressLabel,
            valueOn: "true",
            valueOff: "false",
            value: "false",
          },
        ],
        [executeAction(a, f.submit, { associatedInputs: "auto" })],
      ),
    };
  }
  if (a.confirm) {
    const lines = a.confirm.text.split("\n");
    return {
      type: "Action.ShowCard",
      title: cutText(a.label, 60),
      card: confirmCard(
        [label(a.confirm.title), ...lines.slice(0, MAX_LINES).map((l) => plain(l))],
        [executeAction(a, a.confirm.confirm, { associatedInputs: "none" })],
      ),
    };
  }
  return executeAction(a, a.label, { associatedInputs: "none" });
}

/** Renders any view to an Adaptive Card 1.5. */
export function renderCard(view: View, opts: RenderOptions = {}): AdaptiveCard {
  const body: AdaptiveElement[] = [];
  // Titles carry outside text (they name resources), so even the heading is a TextRun.
  body.push({
    type: "RichTextBlock",
    inlines: [
      { type: "TextRun", text: cutText(nonEmpty(view.title), 200), size: "Medium", weight: "Bolder" },
    ],
  });
  if (view.badge) {
    body.push(plain(view.badge.label, { weight: "Bolder", color: BAND_COLOR[view.badge.band] }));
  }
  view.fields.forEach((f, i) => {
    body.push(fieldRow(f, i === 0));
  });
  for (const s of view.sections) {
    const items: AdaptiveElement[] = [];
    if (s.heading) items.push(label(s.heading));
    const lines = s.lines.slice(0, MAX_LINES);
    if (s.lines.length > lines.length) lines.push(`…and ${s.lines.length - lines.length} more`);
    for (const l of lines) items.push({ ...plain(l), spacing: "Small" });
    if (!items.length) continue;
    body.push({ type: "Container", separator: true, spacing: "Medium", items });
  }
  if (view.facts.length) {
    body.push({
      type: "Container",
      spacing: "Medium",
      items: view.facts.map((f) => ({ ...plain(f, { size: "Small", isSubtle: true }), spacing: "None" })),
    });
  }
  if (view.footer) body.push({ ...plain(view.footer, { size: "Small", isSubtle: true }), separator: true });

  const card: AdaptiveCard = {
    type: "AdaptiveCard",
    $schema: CARD_SCHEMA,
    version: "1.5",
    body,
    fallbackText: cutText(nonEmpty(view.fallback), 500),
    msteams: { width: "Full" },
  };
  const actions: AdaptiveElement[] = [];
  const snoozes = view.actions.filter((a) => SNOOZE.includes(a.id));
  for (const a of view.actions) {
    if (SNOOZE.includes(a.id)) {
      if (a !== snoozes[0]) continue;
      // One "Snooze" button opening the choices keeps the card within the action limit.
      actions.push({
        type: "Action.ShowCard",
        title: "Snooze",
        card: confirmCard(
          [],
          snoozes.map((s) => executeAction(s, s.label, { associatedInputs: "none" })),
        ),
      });
      continue;
    }
    const rendered = action(a, opts);
    if (rendered) actions.push(rendered);
  }
  actions.splice(MAX_ACTIONS);
  if (actions.length) card.actions = actions;
  if (opts.refreshFor?.length && opts.incidentId) {
    // Teams refreshes the card for at most 60 listed users (Universal Actions user-specific views).
    card.refresh = {
      action: {
        type: "Action.Execute",
        title: "Refresh",
        verb: REFRESH_VERB,
        data: { incidentId: opts.incidentId },
      },
      userIds: opts.refreshFor.slice(0, 60),
    };
  }
  return card;
}

/** A card with one line of plain text (notices, progress, refusals shown as a card). */
export function renderTextCard(text: string): AdaptiveCard {
  return { type: "AdaptiveCard", $schema: CARD_SCHEMA, version: "1.5", body: [plain(text)] };
}
