import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import type { DetectorExample } from "../../detection/detector";
import { allDetectors } from "../../detection/detectors";
import type { Incident } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { runDetectors } from "../../detection/runDetectors";
import { parseGcpResource } from "../../remediation/gcpResource";
import { planRemediation } from "../../remediation/plan";
import { defaultPolicy } from "../../remediation/policy";
import { openIncident } from "../helpers/remediationFixtures";

/**
 * Every detector example that names a playbook, planned as the server would plan it: each
 * action must act on the very resource the event changed (never a stand-in such as the whole
 * project), with the bare names the cloud APIs take.
 */
const policy = defaultPolicy({ mode: "enforce" });
const cases = allDetectors
  .filter((d) => d.playbook)
  .flatMap((d) => d.examples.fire.map((ex) => [`${d.id}: ${ex.name}`, d.id, ex] as const));

function plan(detectorId: string, ex: DetectorExample) {
  const state = new DetectionState({
    allowedDomains: ex.context?.allowedDomains ?? ["example.com"],
    internalAccounts: ex.context?.internalAccounts ?? ["111122223333"],
  });
  for (const h of ex.history ?? []) runDetectors(allDetectors, normalizeRecord(h), state);
  const event = normalizeRecord(ex.record);
  const findings = runDetectors(allDetectors, event, state).filter((f) => f.detector === detectorId);
  const base = openIncident("inc-example", findings);
  const incident: Incident = { ...base, actor: event.actor, target: event.target, source: event.source };
  return { event, plan: planRemediation(incident, policy, { events: [event] }) };
}

describe("plans for the detectors' own examples", () => {
  it.each(cases)("%s", (_name, detectorId, ex) => {
    const { event, plan: p } = plan(detectorId, ex);
    expect(p.actions.length + p.notes.length).toBeGreaterThan(0);
    for (const a of p.actions) {
      expect(a.description.length).toBeGreaterThan(10);
      if (a.kind === "gcp.removeBinding" || a.kind === "gcp.removePublicMembers") {
        // The policy edited is the one the event changed.
        expect(a.params.resource).toBe(parseGcpResource(event.target.id)?.name);
      }
      if (typeof a.params.bucket === "string") expect(a.params.bucket).not.toMatch(/^arn:|\//);
      if (typeof a.params.principalName === "string") expect(a.params.principalName).not.toMatch(/[:/]/);
    }
  });
});
