import type { Incident } from "../../detection/model";

/**
 * A card that flips from Remediated back to Open sits far up the channel, where nobody sees
 * it change; the reopening is also said out loud, once per reopening. `key` identifies the
 * reopening (its time), so every replica and every later publish agree it was already said.
 */
export function reopenNotice(incident: Incident): { key: string; text: string } | undefined {
  if (incident.state !== "open") return undefined;
  const entry = incident.timeline.findLast((e) => e.what.startsWith("Reopened: "));
  if (!entry || entry.at !== incident.stateChangedAt) return undefined;
  const why = entry.what.slice("Reopened: ".length);
  return {
    key: entry.at.replace(/[^0-9A-Za-z]/g, ""),
    text: `Reopened: ${incident.title}. ${why[0].toUpperCase()}${why.slice(1)}; risk ${Math.round(incident.risk)}/100.`,
  };
}
