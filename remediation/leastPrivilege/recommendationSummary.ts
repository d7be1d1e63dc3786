import { createHash } from "node:crypto";
import type { Store } from "../../integrations/store/store";
import { observedGrants, type PrincipalGrants } from "./grantSource";
import type { LeastPrivilegeSettings } from "./leastPrivilegeConfig";
import { recommend } from "./recommend";
import { describeRecommendation, type Recommendation } from "./recommendation";
import { dayNumber, type UsageDoc } from "./usage";

/**
 * What `/immune recommend <who>` reads (bot/commands/commandData.ts loadRecommendation): one
 * document per principal in the `usage` collection, id `recommendation:<principal lowercased>`,
 * with the lines the card shows and the full recommendations behind them.
 */
export interface RecommendationSummary {
  cloud: "gcp" | "aws";
  principal: string;
  member: string;
  /** Grants it could give up, one line each ("roles/editor on project acme-prod"). */
  unused: string[];
  /** What it would hold instead, one line each. */
  suggested: string[];
  /** Why there is no change to make (too little history, nothing unused), when so. */
  reason?: string;
  /** The sentence each applicable change is confirmed with. */
  changes: string[];
  observedDays: number;
  generatedAt: string;
  recommendations: Recommendation[];
}

const fmt = (n: number) => n.toLocaleString("en-US");

function where(resource: string): string {
  const m = /^(projects|folders|organizations)\/([^/]+)$/.exec(resource);
  return m ? `${m[1].slice(0, -1)} ${m[2]}` : resource;
}

/** Pure: the card's lines from the recommendations for one principal. */
export function summarize(doc: UsageDoc, recs: Recommendation[], now: Date): RecommendationSummary {
  const ok = recs.filter((r) => r.status === "ok");
  const unused: string[] = [];
  const suggested: string[] = [];
  for (const r of ok) {
    const on = r.cloud === "gcp" ? ` on ${where(r.resource)}` : "";
    for (const role of r.removedRoles) unused.push(`${role}${on}`);
    for (const name of r.removedInlinePolicies) unused.push(`inline policy ${name}`);
    for (const role of r.proposed.roles) {
      if (r.cloud === "aws") suggested.push(`${role} (${fmt(r.proposed.permissionCount)} used actions)`);
      else suggested.push(`${role}${on}`);
    }
    if (r.proposed.customRole)
      suggested.push(
        `custom role ${r.proposed.customRole.name} (${fmt(r.proposed.customRole.permissions.length)} permissions)`,
      );
  }
  const reason = ok.length ? undefined : recs.map((r) => r.reason).join(" ");
  return {
    cloud: doc.cloud,
    principal: doc.principal,
    member: doc.member,
    unused,
    suggested,
    ...(reason ? { reason } : {}),
    changes: ok.map(describeRecommendation),
    observedDays: recs[0]?.observedDays ?? 0,
    generatedAt: now.toISOString(),
    recommendations: recs,
  };
}

export function summaryId(principal: string): string {
  return `recommendation:${principal.toLowerCase()}`;
}

/** Recomputes and stores one principal's recommendation (pure recommend, one write). */
export async function refreshRecommendation(
  store: Store,
  doc: UsageDoc,
  settings: LeastPrivilegeSettings,
  now: Date,
  grants: PrincipalGrants = observedGrants(doc),
): Promise<RecommendationSummary> {
  const summary = summarize(doc, recommend(doc, grants, settings, now), now);
  await store.set("usage", summaryId(doc.principal), summary);
  return summary;
}

/**
 * What decides a principal's recommendation (which roles or policies it could give up, and
 * whether its history is long enough): the permissions used within the window, what it holds,
 * and how long it has been observed. Use counts and last-used days only change the evidence
 * lines, not the change proposed.
 */
function decisiveInputs(doc: UsageDoc, settings: LeastPrivilegeSettings, now: Date): string {
  const today = dayNumber(now);
  const from = today - settings.windowDays + 1;
  let used = "";
  for (const p in doc.perms) if (doc.perms[p][0] >= from) used += `${p}\n`;
  return JSON.stringify([
    today,
    doc.member,
    doc.observedSince,
    used,
    doc.gcpBindings,
    doc.awsManagedPolicies,
    doc.awsInlinePolicies,
  ]);
}

/**
 * Refreshes recommendations as usage is recorded, skipping a principal whose decisive inputs
 * are what this process last computed its recommendation from, less than `maxAgeMs` ago: the
 * usual batch only repeats calls a principal already made today, and recomputing its
 * recommendation (about a millisecond) for each batch was a tenth of the worker's time under
 * load. The stored evidence (use counts, last-used days) then lags by at most `maxAgeMs`; a new
 * permission, a grant change or a new day refreshes at once. Per process and bounded: another
 * replica's refresh only makes the stored summary newer.
 */
export class RecommendationRefresher {
  private readonly last = new Map<string, { inputs: string; at: number }>();

  constructor(
    private readonly settings: LeastPrivilegeSettings,
    private readonly maxAgeMs = 10 * 60_000,
    private readonly maxPrincipals = 10_000,
  ) {}

  /** Whether the recommendation was recomputed and stored. */
  async refresh(store: Store, doc: UsageDoc, now: Date): Promise<boolean> {
    // A digest, not the inputs themselves: ten thousand principals' inputs would hold megabytes.
    const inputs = createHash("sha256")
      .update(decisiveInputs(doc, this.settings, now))
      .digest("base64");
    const id = summaryId(doc.principal);
    const prev = this.last.get(id);
    if (prev && prev.inputs === inputs && now.getTime() - prev.at < this.maxAgeMs) return false;
    await refreshRecommendation(store, doc, this.settings, now);
    // Re-inserted so the Map's order is least recently refreshed first.
    this.last.delete(id);
    if (this.last.size >= this.maxPrincipals) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    this.last.set(id, { inputs, at: now.getTime() });
    return true;
  }
}
