import { utcMinute } from "../views/format";
import type { View } from "../views/view";

const BAND_MARK = { critical: "[!!!]", high: "[!! ]", medium: "[!  ]", low: "[   ]" } as const;

/** Renders a view model as plain terminal text: a boxed title, aligned fields, sections. */
export function renderPlainText(view: View, width = 78): string {
  const out: string[] = [];
  const rule = "─".repeat(width);
  out.push(rule);
  out.push(view.badge ? `${BAND_MARK[view.badge.band]} ${view.title}` : view.title);
  if (view.badge) out.push(`      ${view.badge.label}`);
  out.push(rule);
  const pad = Math.min(18, Math.max(0, ...view.fields.map((f) => f.label.length)));
  for (const f of view.fields) {
    out.push(`${f.label.padEnd(pad)}  ${f.at ? utcMinute(f.at) : f.value}`);
  }
  for (const s of view.sections) {
    out.push("");
    if (s.heading) out.push(`${s.heading}:`);
    for (const l of s.lines) out.push(`  • ${l}`);
  }
  if (view.facts.length) {
    out.push("");
    for (const f of view.facts) out.push(`  (${f})`);
  }
  if (view.actions.length) {
    out.push("");
    out.push(
      `Actions: ${view.actions.map((a) => (a.url ? `${a.label} <${a.url}>` : `[${a.label}]`)).join("  ")}`,
    );
  }
  if (view.footer) out.push(view.footer);
  out.push(rule);
  // Strip control characters so hostile input cannot move the cursor or recolour the terminal.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  return out.join("\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?");
}
