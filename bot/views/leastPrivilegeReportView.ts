import type { ExcessReport } from "../../remediation/leastPrivilege/weeklyExcessReport";
import { plural } from "./format";
import type { View } from "./view";

const fmt = (n: number) => n.toLocaleString("en-US");

/** The weekly least-privilege section: who holds the most it never used, and what would change. */
export function leastPrivilegeReportView(report: ExcessReport, week: string): View {
  const lines = report.entries.map(
    (e, i) =>
      `${i + 1}. ${e.member}: ${fmt(e.excess)} unused of ${fmt(e.grantedPermissions)} granted (${fmt(e.grantedPermissions)} → ${fmt(e.permissionsAfter)} if applied)`,
  );
  const changes = report.entries.flatMap((e) => e.changes.slice(0, 2));
  return {
    kind: "digest",
    title: `Least privilege · week of ${week}`,
    fields: [
      { label: "Principals observed", value: fmt(report.principals) },
      { label: "Window", value: plural(report.window.days, "day") },
    ],
    sections: [
      {
        heading: "Most unused permissions",
        lines: lines.length ? lines : ["Nobody holds unused permissions"],
      },
      ...(changes.length ? [{ heading: "Recommended changes", lines: changes.slice(0, 10) }] : []),
    ],
    facts: [
      ...(report.tooNew ? [`${plural(report.tooNew, "principal")} observed too briefly to judge`] : []),
      "/immune recommend <who> shows the evidence and the change",
    ],
    actions: [],
    fallback: `Least privilege: ${plural(report.entries.length, "principal")} with unused permissions`,
  };
}
