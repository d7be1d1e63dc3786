import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding, Identity, Severity } from "../../detection/model";
import { DEFAULT_RISK_WEIGHTS, parseRiskWeights, riskBand, scoreRisk } from "../../detection/risk";

const SEVERITIES: Severity[] = ["info", "low", "medium", "high", "critical"];

function finding(detector: string, severity: Severity): Finding {
  return {
    id: `${detector}-${severity}`,
    detector,
    category: "admin_grant",
    severity,
    summary: `${detector} fired`,
    evidence: {},
    eventId: "gcp:1",
    time: "2026-11-20T10:00:00Z",
  };
}

function identity(lifecycle: Identity["lifecycle"], extra: Partial<Identity> = {}): Identity {
  return {
    id: "alice@example.com",
    kind: "user",
    display: "Alice",
    aliases: [],
    lifecycle,
    knownToIga: true,
    riskHistory: [],
    ...extra,
  } as Identity;
}

const sum = (factors: { points: number }[]) => factors.reduce((a, f) => a + f.points, 0);

describe("risk score", () => {
  it("explains a score of 100 for a leaver's owner grant at organization level", () => {
    const { risk, factors } = scoreRisk({
      findings: [finding("gcp-owner-editor-grant", "critical"), finding("gcp-org-folder-grant", "high")],
      identity: identity("leaver"),
      target: { kind: "organization", id: "organizations/123", level: "organization" },
    });
    expect(factors.map((f) => f.name)).toEqual([
      "severity",
      "corroboration",
      "lifecycle",
      "target",
      "bounded",
    ]);
    expect(factors.find((f) => f.name === "lifecycle")?.why).toMatch(/leaver/);
    expect(risk).toBe(100);
    expect(sum(factors)).toBe(100);
  });

  it("lowers the score for a joiner in the onboarding window and for an approved change", () => {
    const base = {
      findings: [finding("gcp-privileged-role-grant", "high")],
      target: { kind: "project", id: "projects/web-dev", project: "web-dev", level: "project" as const },
    };
    const plain = scoreRisk(base).risk;
    const onboarding = scoreRisk({
      ...base,
      identity: identity("joiner", { onboardingUntil: "2999-01-01T00:00:00Z" }),
    });
    const approved = scoreRisk({ ...base, approvedChange: true });
    expect(plain).toBe(DEFAULT_RISK_WEIGHTS.high);
    expect(onboarding.risk).toBe(plain + DEFAULT_RISK_WEIGHTS.onboarding);
    expect(approved.risk).toBe(plain + DEFAULT_RISK_WEIGHTS.approvedChange);
  });

  it("raises a production target matched by a configured pattern, and configured weights apply", () => {
    const input = {
      findings: [finding("aws-admin-policy-attached", "critical")],
      target: {
        kind: "user",
        id: "arn:aws:iam::111122223333:user/ci",
        project: "payments-prod",
        level: "resource" as const,
      },
      productionPatterns: ["*-prod"],
    };
    const { risk, factors } = scoreRisk(input);
    expect(factors.find((f) => f.name === "production")?.why).toContain("*-prod");
    expect(risk).toBe(DEFAULT_RISK_WEIGHTS.critical + DEFAULT_RISK_WEIGHTS.production);
    expect(scoreRisk(input, parseRiskWeights("critical=60,production=20")).risk).toBe(80);
  });

  it("rejects an unknown weight name", () => {
    expect(() => parseRiskWeights("criticl=60")).toThrow(/unknown weight "criticl"/);
  });

  it("always shows factors that add up to a score within 0-100", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("d1", "d2", "d3", "d4", "d5"), fc.constantFrom(...SEVERITIES)), {
          maxLength: 6,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<Identity["lifecycle"] | "none">(
          "none",
          "joiner",
          "mover",
          "leaver",
          "active",
          "unknown",
        ),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom("organization", "folder", "project", "resource"),
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 3 }),
        (pairs, anomaly, lifecycle, iga, approved, level, lowered) => {
          const { risk, factors } = scoreRisk({
            findings: pairs.map(([d, s]) => finding(d, s)),
            anomalyScore: anomaly,
            anomalyReasons: ["first call from a new country"],
            identity:
              lifecycle === "none"
                ? undefined
                : identity(
                    lifecycle,
                    lifecycle === "joiner" ? { onboardingUntil: "2999-01-01T00:00:00Z" } : {},
                  ),
            igaConnected: iga,
            approvedChange: approved,
            target: { kind: level, id: `${level}s/x-prod`, project: "x-prod", level: level as "project" },
            productionPatterns: ["*-prod"],
            suppressions: lowered.map((points) => ({ points, why: "allow-listed CI deployer" })),
          });
          expect(risk).toBeGreaterThanOrEqual(0);
          expect(risk).toBeLessThanOrEqual(100);
          expect(sum(factors)).toBe(risk);
          for (const f of factors) expect(f.why.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("bands scores the way cards colour them", () => {
    expect([riskBand(90), riskBand(70), riskBand(45), riskBand(10)]).toEqual([
      "critical",
      "high",
      "medium",
      "low",
    ]);
  });
});
