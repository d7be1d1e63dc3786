import { observedGrants, type PrincipalGrants } from "./grantSource";
import { DEFAULT_LEAST_PRIVILEGE, type LeastPrivilegeSettings } from "./leastPrivilegeConfig";
import { excessCounts, recommend } from "./recommend";
import { describeRecommendation } from "./recommendation";
import type { UsageDoc } from "./usage";

export interface ExcessReportEntry {
  cloud: "gcp" | "aws";
  principal: string;
  member: string;
  grantedPermissions: number;
  usedPermissions: number;
  /** Granted but not used in the window. */
  excess: number;
  /** Permissions left after the recommended changes (estimate across resources). */
  permissionsAfter: number;
  /** The recommended changes, one sentence each (as the confirm dialog quotes them). */
  changes: string[];
}

export interface ExcessReport {
  window: { days: number };
  entries: ExcessReportEntry[];
  /** Principals skipped because they have too little history yet. */
  tooNew: number;
  principals: number;
}

/**
 * The principals holding the most unused permissions, for the weekly digest: ranked by excess
 * (granted − used in the window), each with what the recommender would change.
 */
export function weeklyExcessReport(
  usageDocs: readonly UsageDoc[],
  grants: (doc: UsageDoc) => PrincipalGrants = observedGrants,
  settings: LeastPrivilegeSettings = DEFAULT_LEAST_PRIVILEGE,
  now: Date = new Date(),
): ExcessReport {
  let tooNew = 0;
  const ranked: { doc: UsageDoc; g: PrincipalGrants; granted: number; used: number }[] = [];
  for (const doc of usageDocs) {
    const g = grants(doc);
    const c = excessCounts(doc, g, settings, now);
    if (!c.enoughHistory) {
      tooNew++;
      continue;
    }
    if (c.granted > c.used) ranked.push({ doc, g, granted: c.granted, used: c.used });
  }
  ranked.sort(
    (a, b) => b.granted - b.used - (a.granted - a.used) || (a.doc.principal < b.doc.principal ? -1 : 1),
  );
  const entries = ranked.slice(0, settings.reportSize).map(({ doc, g, granted, used }) => {
    const recs = recommend(doc, g, settings, now).filter((r) => r.status === "ok");
    const removed = recs.reduce((s, r) => s + r.removedPermissionCount, 0);
    return {
      cloud: doc.cloud,
      principal: doc.principal,
      member: doc.member,
      grantedPermissions: granted,
      usedPermissions: used,
      excess: granted - used,
      permissionsAfter: Math.max(used, granted - removed),
      changes: recs.map(describeRecommendation),
    };
  });
  return { window: { days: settings.windowDays }, entries, tooNew, principals: usageDocs.length };
}
