import type { Identity } from "../../detection/model";
import type { Store } from "../../integrations/store/store";
import { countByBand, recentIncidents } from "../commands/commandData";
import type { DigestData } from "../views/digestView";
import { approvalStatus } from "../views/incidentCard";

/** YYYY-MM-DD of an instant in a time zone. */
export function dayIn(timeZone: string, at: Date | string): string {
  const d = typeof at === "string" ? new Date(at) : at;
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(d);
}

/** The calendar day before `now` in the time zone (exact across DST changes). */
export function yesterdayIn(timeZone: string, now: Date): string {
  const today = new Date(`${dayIn(timeZone, now)}T00:00:00Z`);
  return new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** Gathers the daily digest for `day` (in timeZone) from the store. */
export async function digestData(
  store: Store,
  day: string,
  timeZone: string,
  now: Date,
): Promise<DigestData> {
  const incidents = await recentIncidents(store);
  const onDay = (iso: string) => dayIn(timeZone, iso) === day;
  const ofDay = incidents.filter((i) => onDay(i.createdAt));

  const autoRemediated = incidents
    .filter((i) => i.timeline.some((e) => e.by === "auto" && onDay(e.at) && /remediat/i.test(e.what)))
    .map((i) => ({ id: i.id, title: i.title }));

  const awaitingApproval = incidents
    .filter((i) => ["open", "snoozed", "failed"].includes(i.state))
    .filter((i) => i.plan && !i.plan.auto && i.plan.actions.some((a) => a.kind !== "notify"))
    .filter((i) => !approvalStatus(i).complete)
    .map((i) => ({
      id: i.id,
      title: i.title,
      risk: i.risk,
      waitingMs: now.getTime() - Date.parse(i.createdAt),
    }));

  const identities = await store.query<Identity>("identities", { limit: 20_000 });
  const risingIdentities = identities
    .map((d) => d.data)
    .filter((i) => i.riskHistory.length >= 2)
    .map((i) => {
      const h = i.riskHistory;
      return { id: i.id, display: i.display, from: h[h.length - 2].risk, to: h[h.length - 1].risk };
    })
    .filter((r) => r.to > r.from)
    .sort((a, b) => b.to - b.from - (a.to - a.from))
    .slice(0, 10);

  const perDetector = new Map<string, number>();
  for (const i of incidents) {
    for (const f of i.findings)
      if (onDay(f.time)) perDetector.set(f.detector, (perDetector.get(f.detector) ?? 0) + 1);
  }
  const noisyDetectors = [...perDetector.entries()]
    .map(([detector, findings]) => ({ detector, findings }))
    .sort((a, b) => b.findings - a.findings || a.detector.localeCompare(b.detector))
    .slice(0, 5);

  return {
    day,
    timeZone,
    byBand: countByBand(ofDay),
    autoRemediated,
    awaitingApproval,
    risingIdentities,
    noisyDetectors,
  };
}
