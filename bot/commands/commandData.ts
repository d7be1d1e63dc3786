import type { AuditEntry, Identity, Incident } from "../../detection/model";
import { listAudit } from "../../integrations/store/audit";
import type { Store } from "../../integrations/store/store";
import type { StatusProvider } from "../botDeps";
import type { LifecycleEntry } from "../views/lifecycleView";
import type { RecommendationData } from "../views/recommendationView";
import { bandOf, RISK_BANDS, type RiskBand } from "../views/riskBand";
import type { StatusData } from "../views/statusView";

/**
 * Reads what the commands show from the store. Incidents are few enough per day that the
 * recent ones are read and filtered in memory (the store indexes top-level fields only).
 */
export const RECENT_INCIDENTS = 2000;

export async function recentIncidents(store: Store, limit = RECENT_INCIDENTS): Promise<Incident[]> {
  const docs = await store.query<Incident>("incidents", {
    orderBy: { field: "lastSeen", direction: "desc" },
    limit,
  });
  return docs.map((d) => d.data);
}

export const OPEN_STATES: Incident["state"][] = ["open", "snoozed", "failed", "remediating"];

export function countByBand(incidents: Incident[]): Record<RiskBand, number> {
  const out = Object.fromEntries(RISK_BANDS.map((b) => [b, 0])) as Record<RiskBand, number>;
  for (const i of incidents) out[bandOf(i.risk)]++;
  return out;
}

function isAutoRemediation(e: AuditEntry): boolean {
  return e.actor === "auto" && /remediat|execute|approve/i.test(e.action);
}

export async function loadStatus(
  store: Store,
  status: StatusProvider | undefined,
  now: Date,
): Promise<StatusData> {
  const since = new Date(now.getTime() - 24 * 3600_000);
  const [bySource, counts, incidents, audit, integrations, modelTrainedAt] = await Promise.all([
    store.inboxCountsBySource(since),
    store.inboxCounts(),
    recentIncidents(store),
    listAudit(store, { limit: 1000 }),
    status?.integrations() ?? Promise.resolve([]),
    status?.modelTrainedAt?.() ?? latestModelTime(store),
  ]);
  const sinceIso = since.toISOString();
  return {
    eventsBySource: bySource,
    openByBand: countByBand(incidents.filter((i) => OPEN_STATES.includes(i.state))),
    autoRemediations24h: audit.filter((e) => e.at >= sinceIso && isAutoRemediation(e)).length,
    backlog: counts.pending,
    deadLetters: counts.dead,
    modelTrainedAt,
    integrations,
    now,
  };
}

/** The newest trainedAt/updatedAt among stored models, if any. */
async function latestModelTime(store: Store): Promise<string | undefined> {
  const docs = await store.query<Record<string, unknown>>("models", { limit: 50 });
  const times = docs
    .map((d) => d.data.trainedAt ?? d.data.updatedAt)
    .filter((t): t is string => typeof t === "string")
    .sort();
  return times.at(-1);
}

/** Finds an identity by id, email, alias or display name (case-insensitive). */
export async function findIdentity(store: Store, who: string): Promise<Identity | undefined> {
  const direct = await store.get<Identity>("identities", who);
  if (direct) return direct.data;
  const needle = who.toLowerCase();
  const all = await store.query<Identity>("identities", { limit: 20_000 });
  return all
    .map((d) => d.data)
    .find(
      (i) =>
        i.id.toLowerCase() === needle ||
        i.email?.toLowerCase() === needle ||
        i.display.toLowerCase() === needle ||
        i.aliases.some((a) => a.toLowerCase() === needle || a.toLowerCase().endsWith(`:${needle}`)),
    );
}

/** Every principal id that means this identity (GCP members carry a "user:" prefix). */
export function principalIds(who: string, identity?: Identity): Set<string> {
  const ids = new Set<string>([who.toLowerCase()]);
  if (identity) {
    for (const x of [identity.id, identity.email, ...identity.aliases]) if (x) ids.add(x.toLowerCase());
  }
  for (const x of [...ids]) ids.add(x.replace(/^(user|serviceaccount|group):/, ""));
  return ids;
}

export function incidentsOf(incidents: Incident[], ids: Set<string>): Incident[] {
  return incidents.filter((i) => ids.has(i.actor.id.toLowerCase()));
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** Lifecycle events the SailPoint / CSV integration stored for these principals. */
export async function lifecycleHistory(store: Store, ids: Set<string>): Promise<LifecycleEntry[]> {
  const docs = await store.query<Record<string, unknown>>("lifecycle", { limit: 5000 });
  const out: LifecycleEntry[] = [];
  for (const { data } of docs) {
    const subject = str(data.identityId) ?? str(data.identity) ?? str(data.principal) ?? str(data.email);
    if (!subject || !ids.has(subject.toLowerCase())) continue;
    const at = str(data.at) ?? str(data.time) ?? str(data.effectiveAt);
    const change = str(data.change) ?? str(data.event) ?? str(data.type) ?? str(data.state);
    if (at && change) out.push({ at, change, detail: str(data.detail) ?? str(data.reason) });
  }
  return out;
}

/** The least-privilege recommendation stored for this identity, if the recommender made one. */
export async function loadRecommendation(
  store: Store,
  ids: Set<string>,
): Promise<RecommendationData | undefined> {
  for (const id of ids) {
    const doc =
      (await store.get<Record<string, unknown>>("usage", `recommendation:${id}`)) ??
      (await store.get<Record<string, unknown>>("usage", id));
    if (!doc) continue;
    const d = doc.data;
    const unused = strings(d.unused ?? d.unusedGrants ?? d.remove);
    const suggested = strings(d.suggested ?? d.suggestedRoles ?? d.keep);
    const reason = str(d.reason);
    if (unused.length === 0 && suggested.length === 0 && !reason) continue;
    return {
      principal: str(d.principal) ?? id,
      unused,
      suggested,
      ...(reason ? { reason } : {}),
      observedDays: typeof d.observedDays === "number" ? d.observedDays : undefined,
      generatedAt: str(d.generatedAt) ?? str(d.computedAt),
      changes: strings(d.changes),
    };
  }
  return undefined;
}
