import { ago, plural, sourceLabel } from "./format";
import { BAND_LABEL, RISK_BANDS, type RiskBand } from "./riskBand";
import type { View } from "./view";

export interface IntegrationStatus {
  name: string;
  connected: boolean;
  detail?: string;
}

export interface StatusData {
  /** Events received in the last 24 h, per source. */
  eventsBySource: Record<string, number>;
  openByBand: Record<RiskBand, number>;
  autoRemediations24h: number;
  backlog: number;
  deadLetters: number;
  /** When the anomaly model was last trained, if there is one. */
  modelTrainedAt?: string;
  integrations: IntegrationStatus[];
  now: Date;
}

/** `/immune status`: is the immune system healthy, and how busy is it. */
export function statusView(d: StatusData): View {
  const sources = Object.entries(d.eventsBySource).sort((a, b) => b[1] - a[1]);
  const total = sources.reduce((n, [, c]) => n + c, 0);
  const open = RISK_BANDS.reduce((n, b) => n + d.openByBand[b], 0);
  const fields = [
    { label: "Events (24 h)", value: String(total) },
    { label: "Open incidents", value: String(open) },
    { label: "Auto-remediated (24 h)", value: String(d.autoRemediations24h) },
    { label: "Backlog", value: plural(d.backlog, "event") },
    { label: "Dead letters", value: String(d.deadLetters) },
    {
      label: "Anomaly model",
      value: d.modelTrainedAt ? `trained ${ago(d.modelTrainedAt, d.now)}` : "not trained yet",
    },
  ];
  const facts: string[] = [];
  if (d.deadLetters > 0) facts.push(`${plural(d.deadLetters, "event")} failed for good: check dead letters`);
  if (d.backlog > 1000) facts.push("Backlog is large: the worker is behind");
  return {
    kind: "status",
    title: "IAM Immune status",
    fields,
    sections: [
      {
        heading: "Events by source (24 h)",
        lines: sources.length ? sources.map(([s, c]) => `${sourceLabel(s)}: ${c}`) : ["No events received"],
      },
      {
        heading: "Open incidents by risk",
        lines: RISK_BANDS.map((b) => `${BAND_LABEL[b]}: ${d.openByBand[b]}`),
      },
      {
        heading: "Integrations",
        lines: d.integrations.length
          ? d.integrations.map(
              (i) =>
                `${i.name}: ${i.connected ? "connected" : "not connected"}${i.detail ? ` (${i.detail})` : ""}`,
            )
          : ["None reported"],
      },
    ],
    facts,
    actions: [],
    fallback: `IAM Immune: ${total} events in 24 h, ${open} open incidents, backlog ${d.backlog}`,
  };
}
