import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import type { IamEvent } from "../../detection/model";
import { isoTime, isParsableTime } from "../../detection/normalize/isoTime";

function event(actor: string, action: string, target: string, time = "2026-11-02T08:00:00.000Z"): IamEvent {
  return {
    id: `${actor}-${action}-${target}-${time}`,
    source: "gcp",
    time,
    actor: { id: actor, kind: "user", display: actor, delegationChain: [] },
    action,
    service: "iamcredentials.googleapis.com",
    target: { kind: "serviceAccount", id: target, level: "resource" },
    grants: [],
    revokes: [],
    policyDocuments: [],
    permissionsUsed: [],
    success: true,
    details: {},
    raw: {},
  };
}

describe("DetectionState memory", () => {
  it("remembers who called what on which target, and on any target", () => {
    const s = new DetectionState();
    const ctx = s.context();
    expect(ctx.seenBefore("a@x.com", "SignJwt", "sa-1")).toBe(false);
    s.observe(event("a@x.com", "SignJwt", "sa-1"));
    expect(ctx.seenBefore("a@x.com", "SignJwt", "sa-1")).toBe(true);
    expect(ctx.seenBefore("a@x.com", "SignJwt", "*")).toBe(true);
    expect(ctx.seenBefore("a@x.com", "SignJwt", "sa-2")).toBe(false);
    expect(ctx.seenBefore("b@x.com", "SignJwt", "sa-1")).toBe(false);
  });

  it("does not confuse ids that contain the old key separator", () => {
    const s = new DetectionState();
    s.observe(event("a|SignJwt", "x", "t"));
    expect(s.context().seenBefore("a", "SignJwt|x", "t")).toBe(false);
  });

  it("records seen keys only when asked, but always keeps the recent events", () => {
    const s = new DetectionState();
    s.observe(event("a@x.com", "GetUser", "u"), false);
    expect(s.context().seenBefore("a@x.com", "GetUser", "u")).toBe(false);
    expect(s.context().recentByActor("a@x.com")).toHaveLength(1);
  });

  it("forgets the first seen keys first when full", () => {
    const s = new DetectionState({ seenMax: 4 });
    const ctx = s.context();
    s.observe(event("a", "X", "t1")); // a|X|t1, a|X|*
    s.observe(event("a", "X", "t2")); // a|X|t2
    s.observe(event("b", "X", "t1")); // b|X|t1, b|X|* → a|X|t1 forgotten
    expect(ctx.seenBefore("a", "X", "t1")).toBe(false);
    expect(ctx.seenBefore("a", "X", "*")).toBe(true);
    expect(ctx.seenBefore("a", "X", "t2")).toBe(true);
    expect(ctx.seenBefore("b", "X", "t1")).toBe(true);
    s.observe(event("a", "X", "t1")); // again: a|X|* and a|X|t2 forgotten, a|X|t1 and a|X|* back
    expect(ctx.seenBefore("a", "X", "t1")).toBe(true);
    expect(ctx.seenBefore("a", "X", "t2")).toBe(false);
    expect(ctx.seenBefore("a", "X", "*")).toBe(true);
    expect(ctx.seenBefore("b", "X", "*")).toBe(true);
  });

  it("keeps an actor's events of the last hour, at most recentMax", () => {
    const s = new DetectionState({ recentMax: 3 });
    const at = (m: number) => new Date(Date.parse("2026-11-02T08:00:00Z") + m * 60_000).toISOString();
    for (const m of [0, 10, 20, 30, 40]) s.observe(event("a", "X", `t${m}`, at(m)));
    expect(
      s
        .context()
        .recentByActor("a")
        .map((e) => e.target.id),
    ).toEqual(["t20", "t30", "t40"]);
    s.observe(event("a", "X", "t95", at(95)));
    expect(
      s
        .context()
        .recentByActor("a")
        .map((e) => e.target.id),
    ).toEqual(["t40", "t95"]);
  });
});

describe("isoTime", () => {
  it("reads event times exactly as new Date(s).toISOString() does, and accepts what Date.parse reads", () => {
    const pad = (x: number, w = 2) => String(x).padStart(w, "0");
    for (const y of [1900, 2000, 2023, 2024, 2100])
      for (const mo of [0, 1, 2, 4, 12, 13])
        for (const d of [0, 1, 28, 29, 30, 31, 32])
          for (const t of ["00:00:00", "23:59:59", "24:00:00", "12:00:60"])
            for (const f of ["", ".000", ".123", ".1", ".123456789"])
              for (const z of ["Z", "+01:00"]) {
                const s = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${t}${f}${z}`;
                const want = (() => {
                  try {
                    return new Date(s).toISOString();
                  } catch (e) {
                    return (e as Error).name;
                  }
                })();
                const got = (() => {
                  try {
                    return isoTime(s);
                  } catch (e) {
                    return (e as Error).name;
                  }
                })();
                expect(got, s).toBe(want);
                expect(isParsableTime(s), s).toBe(!Number.isNaN(Date.parse(s)));
              }
    // Asked right after a canonical time, other strings still get their own answer.
    for (const s of ["", "2024-02-30T00:00:00Z", "not a time"]) {
      expect(isoTime("2024-02-29T00:00:00Z")).toBe("2024-02-29T00:00:00.000Z");
      expect(isParsableTime(s), s).toBe(!Number.isNaN(Date.parse(s)));
      const viaDate = Number.isNaN(Date.parse(s)) ? "RangeError" : new Date(s).toISOString();
      expect(
        (() => {
          try {
            return isoTime(s);
          } catch (e) {
            return (e as Error).name;
          }
        })(),
        s,
      ).toBe(viaDate);
    }
  });
});
