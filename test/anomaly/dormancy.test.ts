import { describe, expect, it } from "vitest";
import { AnomalyState } from "../../detection/anomaly/anomalyState";
import { Baseline } from "../../detection/anomaly/baseline";
import { DAY_MS, eventKeys, HOUR_MS } from "../../detection/anomaly/eventKeys";
import { F, idleBeforeDays, N_FEATURES } from "../../detection/anomaly/features";
import type { IamEvent } from "../../detection/model";

const ACTOR = "ops.alice@acme.example";
let seq = 0;

/** A GCP audit event as the normalizer produces it: alice listing roles in acme-ops. */
function call(t: number, action = "google.iam.admin.v1.ListRoles"): IamEvent {
  return {
    id: `dormancy-${++seq}`,
    source: "gcp",
    time: new Date(t).toISOString(),
    actor: { id: ACTOR, kind: "user", display: ACTOR, delegationChain: [] },
    action,
    service: "iam.googleapis.com",
    target: { kind: "iam", id: "projects/acme-ops", project: "acme-ops", level: "project" },
    grants: [],
    revokes: [],
    policyDocuments: [],
    permissionsUsed: [],
    success: true,
    sourceIp: "203.0.113.7",
    userAgent: "google-cloud-sdk gcloud/498.0.0",
    details: {},
    raw: undefined,
  };
}

describe("dormancy feature", () => {
  const start = Date.parse("2026-01-05T09:00:00Z");
  const lastCall = start + 39 * DAY_MS;
  const wake = lastCall + 45 * DAY_MS;
  const expected = Math.log2(45 / 7) / Math.log2(60 / 7);

  function wokenState(): AnomalyState {
    const state = new AnomalyState({ baselineDays: 30 });
    for (let d = 0; d < 40; d++) state.observe(call(start + d * DAY_MS));
    return state;
  }

  function dormancyAt(state: AnomalyState, t: number, action?: string): number {
    const x = new Float64Array(N_FEATURES);
    state.extractAndObserve(call(t, action), x, 0);
    return x[F.dormancy];
  }

  it("holds through the first day back after a long idle, then falls to 0", () => {
    const state = wokenState();
    expect(dormancyAt(state, wake)).toBeCloseTo(expected, 10);
    // The attacker's next calls on the woken account count as well, not only the first.
    expect(dormancyAt(state, wake + 60_000, "SetIamPolicy")).toBeCloseTo(expected, 10);
    expect(dormancyAt(state, wake + 23 * HOUR_MS)).toBeCloseTo(expected, 10);
    expect(dormancyAt(state, wake + 25 * HOUR_MS)).toBe(0);
  });

  it("is 0 for an actor back after less than a week", () => {
    const state = wokenState();
    expect(dormancyAt(state, lastCall + 6 * DAY_MS)).toBe(0);
    expect(dormancyAt(state, lastCall + 6 * DAY_MS + HOUR_MS)).toBe(0);
  });

  it("survives a restart: the stored baseline still knows the account just woke", () => {
    const state = wokenState();
    dormancyAt(state, wake);
    const doc = state.takeDirtyDocs().find((d) => d.scope === "actor" && d.key === ACTOR);
    expect(doc).toBeDefined();
    const restored = Baseline.fromDoc(JSON.parse(JSON.stringify(doc)));
    const next = eventKeys(call(wake + 2 * HOUR_MS));
    expect(idleBeforeDays(next, restored)).toBeCloseTo(45, 6);
    // A baseline stored before the field existed loads as "never woke".
    const { wokeAt: _w, idleBefore: _i, ...older } = JSON.parse(JSON.stringify(doc));
    expect(idleBeforeDays(next, Baseline.fromDoc(older))).toBeCloseTo(2 / 24, 6);
  });
});
