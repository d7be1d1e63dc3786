import { z } from "zod";
import { envList, envNumber } from "../bot/configSchema";
import { globMatch } from "./globMatch";
import type { Finding, Identity, RiskFactor, Severity, Target } from "./model";
import { SEVERITY_RANK } from "./model";

/**
 * The one risk function: 0-100 from the strongest finding's severity, how many detectors
 * agree, the anomaly score, the identity's lifecycle, and how sensitive the target is. Every
 * contribution is kept as a factor {name, points, why}; the factors always add up to the
 * score (when the sum leaves 0-100, a final "bounded" factor brings it back and says so).
 *
 *   risk = severity(strongest) + corroboration + anomaly + lifecycle + target − suppression
 *
 * Weights are configuration (RISK_WEIGHTS), defaults below; README explains the formula.
 */

export const DEFAULT_RISK_WEIGHTS = {
  critical: 70,
  high: 50,
  medium: 30,
  low: 15,
  info: 5,
  /** Per additional distinct detector agreeing on the incident. */
  corroboration: 5,
  corroborationMax: 15,
  /** Points at anomaly score 1.0 (scaled linearly). */
  anomaly: 25,
  /** Activity by an identity the IGA says has left. */
  leaver: 30,
  /** Principal a connected IGA does not know (orphaned or shadow identity). */
  unknownToIga: 10,
  /** The change matches an approved access request. */
  approvedChange: -25,
  /** Within a joiner's onboarding window. */
  onboarding: -10,
  /** Target is an organization or folder. */
  orgLevel: 15,
  /** Target matches a production pattern. */
  production: 10,
} as const;
export type RiskWeights = { -readonly [K in keyof typeof DEFAULT_RISK_WEIGHTS]: number };

/** Parses "critical=70,leaver=35" over the defaults; unknown names are an error. */
export function parseRiskWeights(spec: string): RiskWeights {
  const w: RiskWeights = { ...DEFAULT_RISK_WEIGHTS };
  for (const part of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [k, v] = part.split("=").map((s) => s.trim());
    if (!(k in w)) throw new Error(`unknown weight "${k}" (known: ${Object.keys(w).join(", ")})`);
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`weight "${k}" is not a number`);
    w[k as keyof RiskWeights] = n;
  }
  return w;
}

export const riskConfigShape = {
  RISK_WEIGHTS: z
    .string()
    .default("")
    .superRefine((v, ctx) => {
      try {
        parseRiskWeights(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    })
    .describe(
      "Risk weights over the defaults, e.g. critical=70,high=50,leaver=30,production=10 (see README, Risk score).",
    ),
  PROD_PATTERNS: envList().describe(
    "Comma-separated glob patterns of production projects/accounts (e.g. *-prod,123456789012); they raise risk.",
  ),
  INCIDENT_WINDOW_MINUTES: envNumber(60, 1, 7 * 24 * 60).describe(
    "Findings about the same actor and target within this window join one incident.",
  ),
  IGA_CONNECTED: z
    .enum(["true", "false", "auto"])
    .default("auto")
    .describe(
      "Whether an identity unknown to the IGA raises risk (auto: when a SailPoint integration is configured, ISC_BASE_URL or webhook credentials).",
    ),
};

export interface RiskInput {
  findings: Finding[];
  /** 0..1 from the anomaly model; 0 when none. */
  anomalyScore?: number;
  anomalyReasons?: string[];
  identity?: Identity;
  /** Whether an IGA is connected, so "unknown to the IGA" means something. */
  igaConnected?: boolean;
  /** The change matches an approved access request. */
  approvedChange?: boolean;
  target: Target;
  productionPatterns?: string[];
  /** Points taken off by "lower" suppressions, with their reasons. */
  suppressions?: { points: number; why: string }[];
  now?: Date;
}

export function riskBand(score: number): "critical" | "high" | "medium" | "low" {
  if (score >= 85) return "critical";
  if (score >= 65) return "high";
  if (score >= 40) return "medium";
  return "low";
}

export function scoreRisk(
  input: RiskInput,
  weights: RiskWeights = { ...DEFAULT_RISK_WEIGHTS },
): {
  risk: number;
  factors: RiskFactor[];
} {
  const factors: RiskFactor[] = [];
  if (input.findings.length === 0 && !input.anomalyScore) return { risk: 0, factors };

  let strongest: Finding | undefined;
  for (const f of input.findings) {
    if (!strongest || SEVERITY_RANK[f.severity] > SEVERITY_RANK[strongest.severity]) strongest = f;
  }
  if (strongest) {
    factors.push({
      name: "severity",
      points: weights[strongest.severity as Severity],
      why: `${strongest.severity} finding: ${strongest.summary}`,
    });
  }

  const agreeing = new Set(input.findings.map((f) => f.detector)).size;
  if (agreeing > 1) {
    const points = Math.min(weights.corroborationMax, (agreeing - 1) * weights.corroboration);
    factors.push({ name: "corroboration", points, why: `${agreeing} detectors agree` });
  }

  if (input.anomalyScore && input.anomalyScore > 0) {
    const points = Math.round(weights.anomaly * Math.min(1, input.anomalyScore));
    if (points) {
      const reasons = input.anomalyReasons?.length ? `: ${input.anomalyReasons.slice(0, 3).join("; ")}` : "";
      factors.push({
        name: "anomaly",
        points,
        why: `behaves unlike itself (anomaly ${input.anomalyScore.toFixed(2)})${reasons}`,
      });
    }
  }

  const id = input.identity;
  if (id?.lifecycle === "leaver") {
    factors.push({
      name: "lifecycle",
      points: weights.leaver,
      why: "identity is a leaver in the IGA: it should have no access",
    });
  } else if (id?.onboardingUntil && Date.parse(id.onboardingUntil) > (input.now ?? new Date()).getTime()) {
    factors.push({
      name: "lifecycle",
      points: weights.onboarding,
      why: "joiner within the onboarding window",
    });
  } else if (input.igaConnected && !id?.knownToIga) {
    factors.push({ name: "lifecycle", points: weights.unknownToIga, why: "identity unknown to the IGA" });
  }
  if (input.approvedChange) {
    factors.push({
      name: "approved",
      points: weights.approvedChange,
      why: "matches an approved access request",
    });
  }

  const t = input.target;
  if (t.level === "organization" || t.level === "folder") {
    factors.push({
      name: "target",
      points: weights.orgLevel,
      why: `${t.level}-level target: every project below inherits it`,
    });
  }
  const project = t.project ?? "";
  const prod = (input.productionPatterns ?? []).find((p) => globMatch(p, project) || globMatch(p, t.id));
  if (prod)
    factors.push({
      name: "production",
      points: weights.production,
      why: `production target (matches ${prod})`,
    });

  for (const s of input.suppressions ?? [])
    factors.push({ name: "suppression", points: -Math.abs(s.points), why: s.why });

  const sum = factors.reduce((a, f) => a + f.points, 0);
  const risk = Math.max(0, Math.min(100, Math.round(sum)));
  if (risk !== sum) {
    factors.push({ name: "bounded", points: risk - sum, why: sum > 100 ? "capped at 100" : "floored at 0" });
  }
  return { risk, factors };
}
