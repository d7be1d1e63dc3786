import type { View } from "./view";

export const COMMAND_HELP: [string, string][] = [
  ["status", "events in 24 h, open incidents by risk, backlog, integrations"],
  ["incidents [open|mine|all]", "list incidents, riskiest first"],
  ["identity <who>", "identity health: lifecycle, owner, open incidents"],
  ["lifecycle <who>", "joiner / mover / leaver history"],
  ["recommend <who>", "what this identity could give up"],
  ["mute <detector> <who> <duration> <reason>", "silence a detector for one principal (e.g. 7d)"],
  ["digest", "yesterday's digest now"],
  ["help", "this list"],
];

/** `/immune help`, also the answer to an unknown command or a bad argument (naming the problem). */
export function helpView(problem?: string): View {
  return {
    kind: "help",
    title: problem ? "That did not work" : "IAM Immune commands",
    fields: [],
    sections: [
      ...(problem ? [{ lines: [problem] }] : []),
      { heading: "Commands", lines: COMMAND_HELP.map(([c, d]) => `/immune ${c}: ${d}`) },
    ],
    facts: ["Answers are only visible to you; add `share` at the end to post them to the channel."],
    actions: [],
    fallback: problem ?? "IAM Immune commands",
  };
}

/** A short message (outcome of a command, a refusal). */
export function noticeView(title: string, lines: string[] = []): View {
  return {
    kind: "notice",
    title,
    fields: [],
    sections: lines.length ? [{ lines }] : [],
    facts: [],
    actions: [],
    fallback: title,
  };
}
