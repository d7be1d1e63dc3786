import type { Incident } from "../../detection/model";
import { ago, plural } from "./format";
import { BAND_LABEL, bandOf } from "./riskBand";
import type { View } from "./view";

export type IncidentFilter = "open" | "mine" | "all";

const FILTER_TITLE: Record<IncidentFilter, string> = {
  open: "Open incidents",
  mine: "Incidents assigned to you",
  all: "All recent incidents",
};

/** `/immune incidents [open|mine|all]`: riskiest first, one short line each. */
export function incidentListView(filter: IncidentFilter, incidents: Incident[], now: Date, max = 15): View {
  const sorted = [...incidents].sort((a, b) => b.risk - a.risk || b.lastSeen.localeCompare(a.lastSeen));
  const shown = sorted.slice(0, max);
  const lines = shown.map(
    (i) =>
      `${BAND_LABEL[bandOf(i.risk)]} ${Math.round(i.risk)} · ${i.title} · ${i.actor.display} · ${i.state} · ${ago(i.lastSeen, now)} · ${i.id}`,
  );
  if (sorted.length > shown.length) lines.push(`…and ${sorted.length - shown.length} more`);
  return {
    kind: "incidentList",
    title: FILTER_TITLE[filter],
    fields: [],
    sections: [{ lines: lines.length ? lines : ["Nothing here."] }],
    facts: [plural(sorted.length, "incident")],
    actions: [],
    fallback: `${FILTER_TITLE[filter]}: ${sorted.length}`,
  };
}
