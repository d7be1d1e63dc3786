import type { Incident } from "../../detection/model";
import { dismissForm } from "../views/dismissForm";
import type { RiskBand } from "../views/riskBand";
import type { Field, View, ViewAction } from "../views/view";
import { LIMITS, type SlackBlock, type SlackMessage, type SlackModal } from "./blockKitLimits";

/**
 * Renders a view model to Block Kit. Layout only: wording comes from bot/views. Every string
 * that came from outside (actor names, resource ids, reasons) is escaped so it can neither
 * mention (<!channel>) nor link, and every piece is cut to Block Kit's limits.
 */

const BAND_EMOJI: Record<RiskBand, string> = {
  critical: ":red_circle:",
  high: ":large_orange_circle:",
  medium: ":large_yellow_circle:",
  low: ":large_green_circle:",
};

/** Escapes the three characters Slack treats as control characters in text. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts plain text to max characters (code points kept whole), marking the cut with "…". */
export function cut(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max && s.length <= max) return s;
  let out = chars.slice(0, max - 1).join("");
  while (out.length > max - 1) out = Array.from(out).slice(0, -1).join("");
  return `${out}…`;
}

/** Escapes, then fits the escaped text to max characters. */
export function fitMrkdwn(raw: string, max: number): string {
  let e = escapeMrkdwn(raw);
  if (e.length <= max) return e;
  let budget = max - 1;
  let r = raw;
  while (e.length > max) {
    r = cut(raw, budget);
    e = escapeMrkdwn(r);
    budget -= Math.max(1, e.length - max);
  }
  return e;
}

/** Slack date token: each reader sees the time in their own time zone. */
export function slackDate(iso: string, fallback: string): string {
  const unix = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(unix)) return escapeMrkdwn(fallback);
  return `<!date^${unix}^{date_short_pretty} {time}|${escapeMrkdwn(fallback)}>`;
}

const nonEmpty = (s: string) => (s.trim() ? s : "-");

function fieldText(f: Field): string {
  const label = `*${fitMrkdwn(nonEmpty(f.label), 100)}*\n`;
  const value = f.at ? slackDate(f.at, f.value) : fitMrkdwn(nonEmpty(f.value), LIMITS.fieldText - 200);
  return label + value;
}

function sectionText(heading: string | undefined, lines: string[]): string {
  const head = heading ? `*${fitMrkdwn(heading, 200)}*\n` : "";
  const budget = LIMITS.sectionText - head.length;
  const out: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const text = fitMrkdwn(nonEmpty(line), 600);
    const more = lines.length - i;
    if (used + text.length + 1 > budget - 40) {
      out.push(`…and ${more} more`);
      break;
    }
    out.push(text);
    used += text.length + 1;
  }
  return head + (out.join("\n") || "-");
}

function button(a: ViewAction): Record<string, unknown> {
  const b: Record<string, unknown> = {
    type: "button",
    text: { type: "plain_text", text: cut(a.label, LIMITS.buttonText) },
    action_id: cut(a.id, LIMITS.actionId),
    value: a.value.slice(0, LIMITS.buttonValue),
  };
  if (a.style) b.style = a.style;
  if (a.url && a.url.length <= LIMITS.url) b.url = a.url;
  if (a.confirm) {
    b.confirm = {
      title: { type: "plain_text", text: cut(a.confirm.title, LIMITS.confirmTitle) },
      text: { type: "plain_text", text: cut(a.confirm.text, LIMITS.confirmText) },
      confirm: { type: "plain_text", text: cut(a.confirm.confirm, LIMITS.confirmButton) },
      deny: { type: "plain_text", text: cut(a.confirm.deny, LIMITS.confirmButton) },
      ...(a.style === "danger" ? { style: "danger" } : {}),
    };
  }
  return b;
}

/** Renders any view to a Block Kit message (text is the notification fallback). */
export function renderMessage(view: View): SlackMessage {
  const blocks: SlackBlock[] = [];
  blocks.push({
    type: "header",
    text: { type: "plain_text", text: cut(nonEmpty(view.title), LIMITS.headerText) },
  });
  if (view.badge) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `${BAND_EMOJI[view.badge.band]} *${fitMrkdwn(view.badge.label, 200)}*` },
    });
  }
  const fields = view.fields.slice(0, LIMITS.sectionFields * 2);
  for (let i = 0; i < fields.length; i += LIMITS.sectionFields) {
    blocks.push({
      type: "section",
      fields: fields.slice(i, i + LIMITS.sectionFields).map((f) => ({ type: "mrkdwn", text: fieldText(f) })),
    });
  }
  // Leave room for facts, actions, footer: never more than 50 blocks in all.
  const room = LIMITS.blocksPerMessage - blocks.length - 3;
  const sections = view.sections.slice(0, room);
  if (view.sections.length > room && sections.length) {
    const rest = view.sections
      .slice(room - 1)
      .flatMap((s) => [...(s.heading ? [s.heading] : []), ...s.lines]);
    sections[sections.length - 1] = { lines: rest };
  }
  for (const s of sections) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: sectionText(s.heading, s.lines) } });
  }
  if (view.facts.length) {
    const facts = view.facts.slice(0, LIMITS.contextElements - 1);
    if (view.facts.length > facts.length) facts.push(view.facts.slice(facts.length).join(" · "));
    blocks.push({
      type: "context",
      elements: facts.map((f) => ({ type: "mrkdwn", text: fitMrkdwn(nonEmpty(f), 1000) })),
    });
  }
  if (view.actions.length) {
    blocks.push({
      type: "actions",
      block_id: "incident_actions",
      elements: view.actions.slice(0, LIMITS.actionsElements).map(button) as never,
    });
  }
  if (view.footer) {
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fitMrkdwn(view.footer, 1000) }] });
  }
  return { text: cut(nonEmpty(view.fallback), 3000), blocks };
}

/** Plain text for a thread reply or a notice, escaped. */
export function renderText(text: string): string {
  return fitMrkdwn(nonEmpty(text), 3000);
}

export const DISMISS_CALLBACK = "dismiss_modal";
export const DISMISS_REASON = { block: "reason", action: "reason_input" } as const;
export const DISMISS_SUPPRESS = { block: "suppress", action: "suppress_check", value: "suppress" } as const;

/** The Dismiss modal: a reason and an "add to suppression list" checkbox. */
export function renderDismissModal(incident: Incident, privateMetadata: string): SlackModal {
  const f = dismissForm(incident);
  return {
    type: "modal",
    callback_id: DISMISS_CALLBACK,
    private_metadata: privateMetadata.slice(0, LIMITS.privateMetadata),
    title: { type: "plain_text", text: cut(f.title, LIMITS.modalTitle) },
    submit: { type: "plain_text", text: cut(f.submit, LIMITS.modalButton) },
    close: { type: "plain_text", text: cut(f.cancel, LIMITS.modalButton) },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: fitMrkdwn(f.intro, LIMITS.sectionText) } },
      {
        type: "input",
        block_id: DISMISS_REASON.block,
        label: { type: "plain_text", text: cut(f.reasonLabel, LIMITS.inputLabel) },
        element: {
          type: "plain_text_input",
          action_id: DISMISS_REASON.action,
          multiline: true,
          max_length: 500,
          placeholder: { type: "plain_text", text: cut(f.reasonPlaceholder, LIMITS.placeholder) },
        },
      },
      {
        type: "input",
        block_id: DISMISS_SUPPRESS.block,
        optional: true,
        label: { type: "plain_text", text: cut(f.suppressLabel, LIMITS.inputLabel) },
        element: {
          type: "checkboxes",
          action_id: DISMISS_SUPPRESS.action,
          options: [
            {
              text: { type: "plain_text", text: cut(f.suppressHint, LIMITS.optionText) },
              value: DISMISS_SUPPRESS.value,
            },
          ],
        },
      },
    ],
  };
}
