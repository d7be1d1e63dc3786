import type { View } from "../../bot/views/view";
import type { Identity, Incident } from "../../detection/model";
import type { PersonAccess } from "./cloudAccess";
import { describeAccess } from "./lifecyclePlans";

/** The leaver report card: what was found, what was removed, what is left for a person. Pure. */
export function leaverReportView(identity: Identity, access: PersonAccess, inc: Incident): View {
  const found = describeAccess(access);
  const actions = inc.plan?.actions ?? [];
  const steps = new Map((inc.plan?.steps ?? []).map((s) => [s.idempotencyKey, s]));
  const removed = actions.filter((a) => ["done", "noop"].includes(steps.get(a.idempotencyKey)?.status ?? ""));
  const left = actions.filter((a) => !removed.includes(a));
  const complete = actions.length > 0 && left.length === 0;
  const status = !actions.length
    ? "No cloud access found"
    : complete
      ? "All access removed"
      : inc.plan?.dryRun
        ? "Dry run: nothing removed"
        : `${left.length} of ${actions.length} step(s) waiting (approve on the incident card)`;
  return {
    kind: "lifecycle",
    title: `Leaver report: ${identity.display}`,
    fields: [
      { label: "Identity", value: identity.email ?? identity.id },
      { label: "Status", value: status },
      { label: "Found", value: String(found.length) },
      { label: "Removed", value: `${removed.length}/${actions.length} step(s)` },
      { label: "Incident", value: inc.id },
    ],
    sections: [
      { heading: "Found", lines: found.length ? found : ["nothing on the searched resources and accounts"] },
      { heading: "Removed", lines: removed.length ? removed.map((a) => a.description) : ["nothing yet"] },
      ...(left.length ? [{ heading: "Still to do", lines: left.map((a) => a.description) }] : []),
      ...(access.unreadable.length
        ? [
            {
              heading: "Could not check",
              lines: access.unreadable.map((u) => `${u} (read failed; check by hand)`),
            },
          ]
        : []),
      ...(inc.plan?.notes.length ? [{ heading: "Notes", lines: inc.plan.notes }] : []),
    ],
    facts: [complete ? "Zero orphaned access" : "Orphaned access remains"],
    actions: [],
    fallback: `Leaver ${identity.email ?? identity.id}: ${status}; found ${found.length}, removed ${removed.length}/${actions.length} step(s)`,
  };
}
