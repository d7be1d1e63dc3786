import type { Identity, Incident } from "../../detection/model";
import { ago, utcMinute } from "./format";
import type { View } from "./view";

/** One lifecycle change as stored by the SailPoint / CSV integration (loosely typed on purpose). */
export interface LifecycleEntry {
  at: string;
  change: string;
  detail?: string;
}

export interface LifecycleData {
  query: string;
  identity?: Identity;
  history: LifecycleEntry[];
  /** lifecycle_violation incidents about this identity. */
  violations: Incident[];
  now: Date;
}

/** `/immune lifecycle <who>`: joiner / mover / leaver state and what happened around it. */
export function lifecycleView(d: LifecycleData): View {
  const id = d.identity;
  if (!id && d.history.length === 0 && d.violations.length === 0) {
    return {
      kind: "lifecycle",
      title: `Lifecycle: ${d.query}`,
      fields: [],
      sections: [
        { lines: ["No data yet: no lifecycle events from SailPoint or the HR CSV for this identity."] },
      ],
      facts: [],
      actions: [],
      fallback: `No lifecycle data yet for ${d.query}`,
    };
  }
  const fields = [
    { label: "State", value: id?.lifecycle ?? "unknown" },
    { label: "Since", value: id?.lifecycleChangedAt ? ago(id.lifecycleChangedAt, d.now) : "unknown" },
  ];
  if (id?.onboardingUntil) fields.push({ label: "Onboarding until", value: utcMinute(id.onboardingUntil) });
  if (id?.manager) fields.push({ label: "Manager", value: id.manager });
  const history = [...d.history].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10);
  return {
    kind: "lifecycle",
    title: `Lifecycle: ${id ? id.display : d.query}`,
    fields,
    sections: [
      {
        heading: "History",
        lines: history.length
          ? history.map((h) => `${utcMinute(h.at)} ${h.change}${h.detail ? `: ${h.detail}` : ""}`)
          : ["No lifecycle events recorded"],
      },
      {
        heading: "Lifecycle violations",
        lines: d.violations.length
          ? d.violations.slice(0, 8).map((i) => `${i.title} · ${i.state} · ${i.id}`)
          : ["None"],
      },
    ],
    facts: id?.lifecycle === "leaver" ? ["Leaver: any activity is suspicious"] : [],
    actions: [],
    fallback: `${d.query}: ${id?.lifecycle ?? "unknown"}`,
  };
}
