import { plural, utcMinute } from "./format";
import type { View, ViewAction } from "./view";

/** Least-privilege recommendation as the recommender stores it (only what the card needs). */
export interface RecommendationData {
  principal: string;
  /** Roles / policies held but not used in the observation window. */
  unused: string[];
  /** Smaller roles (or a generated policy) that cover what was used. */
  suggested: string[];
  observedDays?: number;
  generatedAt?: string;
  /** Why nothing is recommended (too little history, every grant used), when so. */
  reason?: string;
  /** One sentence per change that could be applied (what the confirmation names). */
  changes?: string[];
}

/** `/immune recommend <who>`: what this identity could give up. */
export function recommendationView(
  query: string,
  rec: RecommendationData | undefined,
  opts: { canPropose?: boolean } = {},
): View {
  if (!rec) {
    return {
      kind: "recommendation",
      title: `Least privilege: ${query}`,
      fields: [],
      sections: [{ lines: ["No data yet: no usage has been analysed for this identity."] }],
      facts: [],
      actions: [],
      fallback: `No recommendation yet for ${query}`,
    };
  }
  const fields = [
    { label: "Unused grants", value: String(rec.unused.length) },
    {
      label: "Observed",
      value: rec.observedDays !== undefined ? plural(rec.observedDays, "day") : "unknown",
    },
  ];
  if (rec.generatedAt) fields.push({ label: "Computed", value: utcMinute(rec.generatedAt) });
  return {
    kind: "recommendation",
    title: `Least privilege: ${rec.principal}`,
    fields,
    sections: [
      ...(rec.reason ? [{ heading: "Why no change", lines: [rec.reason] }] : []),
      ...(rec.reason && !rec.unused.length ? [] : changeSections(rec)),
    ],
    facts: rec.unused.length > 20 ? [`…and ${rec.unused.length - 20} more unused grants`] : [],
    actions: opts.canPropose && rec.changes?.length ? [proposeAction(rec)] : [],
    fallback: `${rec.principal}: ${plural(rec.unused.length, "unused grant")}`,
  };
}

function changeSections(rec: RecommendationData) {
  return [
    {
      heading: "Could give up",
      lines: rec.unused.length ? rec.unused.slice(0, 20) : ["Nothing: every grant is used"],
    },
    {
      heading: "Would keep working with",
      lines: rec.suggested.length ? rec.suggested.slice(0, 20) : ["No change"],
    },
  ];
}

/** Opens the change as an incident with its plan; approvers then approve it like any other. */
function proposeAction(rec: RecommendationData): ViewAction {
  const changes = rec.changes ?? [];
  const shown = changes.slice(0, 3).join("\n");
  return {
    id: "propose_change",
    label: "Propose this change",
    style: "primary",
    value: rec.principal,
    confirm: {
      title: "Propose for approval?",
      text: `Nothing changes until an approver approves it.\n${shown}${changes.length > 3 ? `\n…and ${changes.length - 3} more` : ""}`,
      confirm: "Propose",
      deny: "Cancel",
    },
  };
}
