/** Risk bands of a 0-100 score, as the card badge and the status/digest counts use them. */
import { riskBand } from "../../detection/risk";

export type RiskBand = ReturnType<typeof riskBand>;

export const RISK_BANDS: RiskBand[] = ["critical", "high", "medium", "low"];

/** The bands are the risk function's own (detection/risk.ts), so cards and metrics agree. */
export const bandOf: (score: number) => RiskBand = riskBand;

export const BAND_LABEL: Record<RiskBand, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
};
