import type { Incident } from "../../detection/model";
import { personLabel, utcMinute } from "../views/format";
import { incidentCardView } from "../views/incidentCard";

export interface RawEvent {
  id: string;
  payload: string;
}

const BAND_COLOR = { critical: "#b00020", high: "#d35400", medium: "#b7950b", low: "#2e7d32" } as const;

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

function pretty(payload: string, max = 20_000): string {
  let text = payload;
  try {
    text = JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    // not JSON: show as received
  }
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/**
 * The mobile-friendly incident page behind the card's Details button: the card's content
 * (same view model, same wording), then the full timeline, the findings' evidence and the
 * raw events. One narrow column, no scripts, no external resources.
 */
export function incidentPageHtml(incident: Incident, rawEvents: RawEvent[], now: Date): string {
  const v = incidentCardView(incident, { now });
  const e = escapeHtml;
  const band = v.badge!;
  const fields = v.fields
    .map((f) => `<div class="f"><dt>${e(f.label)}</dt><dd>${e(f.at ? utcMinute(f.at) : f.value)}</dd></div>`)
    .join("");
  const sections = v.sections
    .map(
      (s) =>
        `<section>${s.heading ? `<h2>${e(s.heading)}</h2>` : ""}<ul>${s.lines.map((l) => `<li>${e(l)}</li>`).join("")}</ul></section>`,
    )
    .join("");
  const facts = v.facts.map((f) => `<p class="fact">${e(f)}</p>`).join("");
  const timeline = [...incident.timeline]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((t) => {
      const outcome =
        typeof t.detail?.outcome === "string" ? `<div class="out">${e(t.detail.outcome)}</div>` : "";
      return `<li><time datetime="${e(t.at)}">${e(utcMinute(t.at))}</time> <b>${e(personLabel(t.by, t.detail?.display))}</b> ${e(t.what)}${outcome}</li>`;
    })
    .join("");
  const findings = incident.findings
    .map(
      (f) =>
        `<details open><summary>${e(f.severity)} · ${e(f.detector)}: ${e(f.summary)}</summary><pre>${e(JSON.stringify(f.evidence, null, 2))}</pre></details>`,
    )
    .join("");
  const raw = rawEvents.length
    ? rawEvents
        .map((r) => `<details><summary>${e(r.id)}</summary><pre>${e(pretty(r.payload))}</pre></details>`)
        .join("")
    : `<p class="fact">Raw events are no longer in the inbox (ids: ${e(incident.eventIds.slice(0, 10).join(", "))}).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(v.title)} · IAM Immune</title>
<style>
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
main{max-width:720px;margin:0 auto;padding:16px}
h1{font-size:1.3rem;margin:.2rem 0 .6rem;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.badge{display:inline-block;color:#fff;background:${BAND_COLOR[band.band]};border-radius:6px;padding:.2rem .6rem;font-weight:600}
dl{display:grid;grid-template-columns:1fr 1fr;gap:.5rem .8rem;margin:.8rem 0}
.f{min-width:0}dt{font-size:.78rem;color:#5f6368;text-transform:uppercase;letter-spacing:.03em}dd{margin:0;overflow-wrap:anywhere}
section,.card{background:#fff;border-radius:10px;padding:.6rem .9rem;margin:.7rem 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
ul{padding-left:1.1rem;margin:.3rem 0}li{margin:.25rem 0;overflow-wrap:anywhere}
.fact{color:#5f6368;font-size:.9rem;margin:.3rem 0}
.out{color:#5f6368;font-size:.88rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.78rem;background:#f1f3f4;padding:.5rem;border-radius:6px;max-height:60vh;overflow:auto}
summary{cursor:pointer;overflow-wrap:anywhere}
footer{color:#80868b;font-size:.8rem;margin:1rem 0}
</style></head>
<body><main>
<span class="badge">${e(band.label)}</span>
<h1>${e(v.title)}</h1>
<div class="card"><dl>${fields}</dl>${facts}</div>
${sections}
<section><h2>Timeline</h2><ol>${timeline || "<li>No entries</li>"}</ol></section>
<section><h2>Evidence</h2>${findings || '<p class="fact">No findings</p>'}</section>
<section><h2>Raw events</h2>${raw}</section>
<footer>${e(v.footer ?? "")} · page generated ${e(utcMinute(now.toISOString()))}</footer>
</main></body></html>`;
}
