import { globMatch } from "./globMatch";
import type { Finding, IamEvent, Suppression } from "./model";

/**
 * The allow-list: suppressions silence a finding (dropped, counted) or lower it (kept, with
 * points off the risk and the reason shown). Expired entries do nothing. Each suppression is
 * created through an audited path (chat "Dismiss … suppress", `/immune mute`).
 */
export function suppressionMatches(s: Suppression, finding: Finding, event: IamEvent, now: Date): boolean {
  if (s.expiresAt && Date.parse(s.expiresAt) <= now.getTime()) return false;
  if (s.detector && !globMatch(s.detector, finding.detector)) return false;
  if (
    s.principal &&
    !globMatch(s.principal, event.actor.id) &&
    !globMatch(s.principal, event.actor.display)
  ) {
    return false;
  }
  if (
    s.project &&
    !globMatch(s.project, event.target.project ?? "") &&
    !globMatch(s.project, event.target.id)
  ) {
    return false;
  }
  return Boolean(s.detector || s.principal || s.project);
}

export interface SuppressionResult {
  kept: Finding[];
  silenced: { finding: Finding; by: Suppression }[];
  lowered: { points: number; why: string }[];
}

export function applySuppressions(
  findings: Finding[],
  event: IamEvent,
  suppressions: readonly Suppression[],
  now: Date,
): SuppressionResult {
  const result: SuppressionResult = { kept: [], silenced: [], lowered: [] };
  for (const f of findings) {
    const match = suppressions.find((s) => suppressionMatches(s, f, event, now));
    if (!match) result.kept.push(f);
    else if (match.effect === "silence") result.silenced.push({ finding: f, by: match });
    else {
      result.kept.push(f);
      result.lowered.push({ points: match.points, why: `suppressed by ${match.createdBy}: ${match.reason}` });
    }
  }
  return result;
}
