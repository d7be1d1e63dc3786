import { duration, plural } from "./format";
import { BAND_LABEL, RISK_BANDS, type RiskBand } from "./riskBand";
import type { View } from "./view";

export interface DigestData {
  /** The day summarised, YYYY-MM-DD in the digest time zone. */
  day: string;
  timeZone: string;
  byBand: Record<RiskBand, number>;
  autoRemediated: { id: string; title: string }[];
  awaitingApproval: { id: string; title: string; waitingMs: number; risk: number }[];
  risingIdentities: { id: string; display: string; from: number; to: number }[];
  noisyDetectors: { detector: string; findings: number }[];
}

/** The daily digest: yesterday at a glance, and what still waits for a human. */
export function digestView(d: DigestData): View {
  const total = RISK_BANDS.reduce((n, b) => n + d.byBand[b], 0);
  const waiting = [...d.awaitingApproval].sort((a, b) => b.waitingMs - a.waitingMs);
  return {
    kind: "digest",
    title: `Daily digest · ${d.day}`,
    fields: RISK_BANDS.map((b) => ({ label: BAND_LABEL[b], value: String(d.byBand[b]) })),
    sections: [
      {
        heading: "Remediated automatically",
        lines: d.autoRemediated.length
          ? d.autoRemediated.slice(0, 10).map((i) => `${i.title} · ${i.id}`)
          : ["Nothing"],
      },
      {
        heading: "Waiting for approval",
        lines: waiting.length
          ? waiting
              .slice(0, 10)
              .map((i) => `${i.title} · risk ${Math.round(i.risk)} · waiting ${duration(i.waitingMs)}`)
          : ["Nothing waiting"],
      },
      {
        heading: "Identities with rising risk",
        lines: d.risingIdentities.length
          ? d.risingIdentities.slice(0, 10).map((r) => `${r.display}: ${r.from} → ${r.to}`)
          : ["None"],
      },
      {
        heading: "Noisiest detectors",
        lines: d.noisyDetectors.length
          ? d.noisyDetectors.slice(0, 5).map((n) => `${n.detector}: ${plural(n.findings, "finding")}`)
          : ["None fired"],
      },
    ],
    facts: [`${plural(total, "incident")} on ${d.day} (${d.timeZone})`],
    actions: [],
    fallback: `IAM Immune digest ${d.day}: ${plural(total, "incident")}, ${waiting.length} waiting for approval`,
  };
}
