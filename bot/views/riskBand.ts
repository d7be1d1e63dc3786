/** Risk bands of a 0-100 score, as the card badge and the status/digest counts use them. */
export type RiskBand = "critical" | "high" | "medium" | "low";

export const RISK_BANDS: RiskBand[] = ["critical", "high", "medium", "low"];

export function bandOf(score: number): RiskBand {
  if (score >= 85) return "critical";
  if (score >= 65) return "high";
  if (score >= 40) return "medium";
  return "low";
}

export const BAND_LABEL: Record<RiskBand, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
};
