import { type Detector, NO_FINDINGS } from "../../detector";
import type { IamEvent } from "../../model";
import { gcpDetails } from "../../normalize/gcpDetails";
import { at, deniedGetIamPolicy, hierarchySetIamPolicy } from "./exampleRecords";

export const DENIED_BURST_THRESHOLD = 10;
export const DENIED_BURST_WINDOW_MS = 5 * 60 * 1000;

/** A call the caller was not allowed to make: PERMISSION_DENIED or a denied permission check. */
export function isDenied(e: IamEvent): boolean {
  if (e.source !== "gcp" || e.success) return false;
  return e.errorCode === "PERMISSION_DENIED" || (gcpDetails(e)?.deniedPermissions.length ?? 0) > 0;
}

/**
 * Reconnaissance: one actor collecting at least 10 denied calls within 5 minutes, the shape of
 * someone probing what a stolen credential can do. Fires once, on the call that crosses the
 * threshold (the earlier ones in the window numbered exactly threshold − 1). Severity: medium.
 */
export const gcpDeniedBurst: Detector = {
  id: "gcp-denied-burst",
  title: "Burst of permission-denied calls by one actor",
  category: "recon",
  severity: "medium",
  sources: ["gcp"],
  keeps: isDenied,
  playbook: "quarantine-identity",
  match(event, ctx) {
    if (!isDenied(event)) return NO_FINDINGS;
    const now = Date.parse(event.time);
    const earlier = ctx
      .recentByActor(event.actor.id)
      .filter(
        (e) =>
          isDenied(e) &&
          e.id !== event.id &&
          now - Date.parse(e.time) <= DENIED_BURST_WINDOW_MS &&
          Date.parse(e.time) <= now,
      );
    if (earlier.length !== DENIED_BURST_THRESHOLD - 1) return [];
    const all = [...earlier, event];
    const permissions = [...new Set(all.flatMap((e) => gcpDetails(e)?.deniedPermissions ?? []))];
    const spanS = Math.round((now - Date.parse(all[0].time)) / 1000);
    return [
      {
        summary: `${event.actor.display} was denied ${all.length} calls in ${spanS}s (${permissions.slice(0, 3).join(", ")}${permissions.length > 3 ? ", …" : ""})`,
        evidence: {
          actor: event.actor.id,
          count: all.length,
          windowSeconds: DENIED_BURST_WINDOW_MS / 1000,
          deniedPermissions: permissions,
          methods: [...new Set(all.map((e) => e.action))],
          sourceIps: [...new Set(all.map((e) => e.sourceIp).filter(Boolean))],
          eventIds: all.map((e) => e.id),
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "tenth denied call within two minutes",
        history: Array.from({ length: 9 }, (_, i) => deniedGetIamPolicy("mallory.ops@gmail.com", i)),
        record: deniedGetIamPolicy("mallory.ops@gmail.com", 9),
      },
    ],
    quiet: [
      {
        name: "eleventh denied call (already reported at the tenth)",
        history: Array.from({ length: 10 }, (_, i) => deniedGetIamPolicy("mallory.ops@gmail.com", i)),
        record: deniedGetIamPolicy("mallory.ops@gmail.com", 10),
      },
      {
        name: "nine denied calls only",
        history: Array.from({ length: 8 }, (_, i) => deniedGetIamPolicy("mallory.ops@gmail.com", i)),
        record: deniedGetIamPolicy("mallory.ops@gmail.com", 8),
      },
      {
        name: "ten denied calls spread over an hour",
        history: Array.from({ length: 9 }, (_, i) =>
          deniedGetIamPolicy("mallory.ops@gmail.com", i, at(i * 400)),
        ),
        record: deniedGetIamPolicy("mallory.ops@gmail.com", 9, at(9 * 400)),
      },
      {
        name: "successful policy change after denied calls",
        history: Array.from({ length: 9 }, (_, i) => deniedGetIamPolicy("mallory.ops@gmail.com", i)),
        record: hierarchySetIamPolicy("project", [["ADD", "roles/viewer", "user:bob@example.com"]], {
          principal: "mallory.ops@gmail.com",
          timestamp: at(70),
        }),
      },
    ],
  },
};
