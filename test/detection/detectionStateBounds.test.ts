import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import { normalizeRecord } from "../../detection/normalize";
import { gcpPublicBucketEntry } from "../helpers/fixtures";

/** A public-bucket grant by `who` at `time`, through the real normalizer. */
function event(who: string, time: string) {
  return normalizeRecord(
    gcpPublicBucketEntry({ insertId: `${who}-${time}`, principal: who, timestamp: time }),
  );
}

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 12, 0) + minutes * 60_000).toISOString();

describe("detection state memory", () => {
  it("forgets actors idle for longer than the window, so new principal names do not pile up", () => {
    const state = new DetectionState({ recentWindowMs: 60 * 60_000 });
    state.observe(event("old@example.com", at(0)));
    for (let i = 0; i < 50; i++) state.observe(event(`new${i}@example.com`, at(61 + i)));
    const ctx = state.context();
    expect(ctx.recentByActor("old@example.com")).toEqual([]);
    expect(ctx.recentByActor("new49@example.com")).toHaveLength(1);
    expect(ctx.recentByActor("new0@example.com")).toHaveLength(1);
    expect(state.recentSize).toBe(50);
  });

  it("holds at most recentTotalMax events, forgetting the least recently active actors first", () => {
    const state = new DetectionState({ recentTotalMax: 100 });
    for (let i = 0; i < 1000; i++) state.observe(event(`user${i}@example.com`, at(i / 100)));
    // An early actor that stays active is kept; idle early ones are gone.
    for (let i = 0; i < 5; i++) state.observe(event("busy@example.com", at(10 + i / 100)));
    expect(state.recentSize).toBeLessThanOrEqual(100);
    const ctx = state.context();
    expect(ctx.recentByActor("user0@example.com")).toEqual([]);
    expect(ctx.recentByActor("user999@example.com")).toHaveLength(1);
    expect(ctx.recentByActor("busy@example.com")).toHaveLength(5);
  });
});
