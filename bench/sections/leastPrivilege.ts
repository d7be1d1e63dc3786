import { mulberry32 } from "../../detection/anomaly/prng";
import { gcpRole, gcpRoleData } from "../../detection/referenceData";
import { buildGcpRoleIndex, gcpRoleIndex } from "../../remediation/leastPrivilege/gcpRoleIndex";
import type { PrincipalGrants } from "../../remediation/leastPrivilege/grantSource";
import { DEFAULT_LEAST_PRIVILEGE } from "../../remediation/leastPrivilege/leastPrivilegeConfig";
import { recommend } from "../../remediation/leastPrivilege/recommend";
import { dayNumber, type UsageDoc } from "../../remediation/leastPrivilege/usage";
import { weeklyExcessReport } from "../../remediation/leastPrivilege/weeklyExcessReport";
import type { BenchSection } from "../section";
import { median, percentile } from "../section";

/**
 * Least-privilege recommendation speed against the full GCP predefined role data: one principal
 * at a time (median of many, each with its own role set and use), then 10,000 principals in one
 * pass as the weekly report does. Principals are generated with a seeded PRNG: 1 to 3 roles on a
 * project from common roles (a third hold a basic role), 3 to 60 permissions used from what
 * those roles grant.
 */
const SINGLE = 500;
const FLEET = 10_000;
const NOW = new Date("2026-11-23T10:00:00Z");
const TODAY = dayNumber(NOW);

const BASIC = ["roles/editor", "roles/owner", "roles/viewer"];
const COMMON = [
  "roles/storage.admin",
  "roles/storage.objectAdmin",
  "roles/storage.objectViewer",
  "roles/pubsub.editor",
  "roles/pubsub.publisher",
  "roles/pubsub.subscriber",
  "roles/bigquery.admin",
  "roles/bigquery.dataEditor",
  "roles/bigquery.dataViewer",
  "roles/bigquery.jobUser",
  "roles/compute.admin",
  "roles/compute.instanceAdmin.v1",
  "roles/compute.viewer",
  "roles/container.developer",
  "roles/container.admin",
  "roles/cloudsql.client",
  "roles/cloudsql.admin",
  "roles/run.developer",
  "roles/run.admin",
  "roles/cloudfunctions.developer",
  "roles/logging.viewer",
  "roles/logging.admin",
  "roles/monitoring.editor",
  "roles/secretmanager.secretAccessor",
  "roles/secretmanager.admin",
  "roles/iam.serviceAccountUser",
  "roles/iam.serviceAccountAdmin",
  "roles/cloudkms.cryptoKeyEncrypterDecrypter",
  "roles/datastore.user",
  "roles/spanner.databaseUser",
].filter((r) => gcpRole(r));

function principal(i: number, rand: () => number): { doc: UsageDoc; grants: PrincipalGrants } {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const roles = new Set<string>();
  if (rand() < 1 / 3) roles.add(pick(BASIC));
  const want = 1 + Math.floor(rand() * 3);
  while (roles.size < want) roles.add(pick(COMMON));
  const granted = [...new Set([...roles].flatMap((r) => gcpRole(r)?.permissions ?? []))];
  // Use concentrates on a couple of services, as real identities' does.
  const services = [...new Set(granted.map((p) => p.slice(0, p.indexOf("."))))];
  const focus = new Set([pick(services), pick(services), pick(services)]);
  const pool = granted.filter((p) => focus.has(p.slice(0, p.indexOf("."))));
  const perms: UsageDoc["perms"] = {};
  const used = 3 + Math.floor(rand() * 58);
  for (let k = 0; k < used && pool.length; k++)
    perms[pick(pool)] = [TODAY - Math.floor(rand() * 85), 1 + Math.floor(rand() * 200)];
  const email = `p${i}@acme.com`;
  return {
    doc: {
      cloud: "gcp",
      principal: email,
      member: `user:${email}`,
      observedSince: TODAY - 120,
      lastEventDay: TODAY,
      perms,
      gcpBindings: { "projects/acme-prod": [...roles].sort() },
      awsManagedPolicies: [],
      awsInlinePolicies: {},
      updatedAt: NOW.toISOString(),
    },
    grants: {
      gcpBindings: { "projects/acme-prod": [...roles].sort() },
      gcpCustomRoles: {},
      awsManagedPolicies: [],
      awsInlinePolicies: {},
    },
  };
}

export const leastPrivilegeSection: BenchSection = {
  name: "leastPrivilege",
  title: "recommend least privilege against the full GCP role data: one principal, then 10,000",
  async run(log) {
    const data = gcpRoleData().roles;
    let t0 = performance.now();
    const index = buildGcpRoleIndex(data);
    const indexMs = performance.now() - t0;
    gcpRoleIndex();
    log(
      `role data: ${Object.keys(data).length} roles, ${index.roles.length} proposable, ${index.permNames.length} permissions; index built in ${indexMs.toFixed(0)} ms`,
    );

    const rand = mulberry32(42);
    const settings = DEFAULT_LEAST_PRIVILEGE;
    // First call in the process (lazy caches cold), on its own.
    const first = principal(-1, rand);
    t0 = performance.now();
    recommend(first.doc, first.grants, settings, NOW);
    const coldMs = performance.now() - t0;

    const singles: number[] = [];
    let ok = 0;
    let optimal = 0;
    for (let i = 0; i < SINGLE; i++) {
      const p = principal(i, rand);
      t0 = performance.now();
      const [rec] = recommend(p.doc, p.grants, settings, NOW);
      singles.push(performance.now() - t0);
      if (rec.status === "ok") ok++;
      if (rec.optimal) optimal++;
    }
    const single = median(singles);
    log(
      `one principal: median ${single.toFixed(2)} ms, p95 ${percentile(singles, 95).toFixed(2)} ms, max ${Math.max(...singles).toFixed(1)} ms over ${SINGLE} principals (${ok} with a change, ${optimal} proven optimal)`,
    );

    const fleet = Array.from({ length: FLEET }, (_, i) => principal(i, rand));
    t0 = performance.now();
    let changes = 0;
    for (const p of fleet)
      for (const r of recommend(p.doc, p.grants, settings, NOW)) if (r.status === "ok") changes++;
    const fleetS = (performance.now() - t0) / 1000;
    const byDoc = new Map(fleet.map((p) => [p.doc, p.grants]));
    t0 = performance.now();
    const report = weeklyExcessReport(
      fleet.map((p) => p.doc),
      (d) => byDoc.get(d)!,
      settings,
      NOW,
    );
    const reportS = (performance.now() - t0) / 1000;
    log(
      `${FLEET.toLocaleString("en-US")} principals: ${fleetS.toFixed(2)} s (${changes} changes), weekly report ${reportS.toFixed(2)} s (top excess ${report.entries[0]?.excess ?? 0})`,
    );
    return [
      {
        key: "recommender.index_build_ms",
        value: Math.round(indexMs),
        unit: "ms",
        label: "build the permission → roles index over the full GCP role data (once per process)",
      },
      {
        key: "recommender.first_recommend_ms",
        value: Number(coldMs.toFixed(2)),
        unit: "ms",
        label: "first recommendation in the process (lazy caches cold, index already built)",
      },
      {
        key: "recommender.ms_per_principal",
        value: Number(single.toFixed(3)),
        unit: "ms",
        label: `recommend for one principal, median of ${SINGLE} different principals`,
        target: "< 20",
        pass: single < 20,
      },
      {
        key: "recommender.p95_ms_per_principal",
        value: Number(percentile(singles, 95).toFixed(3)),
        unit: "ms",
        label: "recommend for one principal, 95th percentile",
      },
      {
        key: "recommender.optimal_share",
        value: Number((optimal / SINGLE).toFixed(3)),
        label: "share of single recommendations whose role cover is proven optimal",
      },
      {
        key: "recommender.principals_10k_s",
        value: Number(fleetS.toFixed(2)),
        unit: "s",
        label: `recommend for ${FLEET.toLocaleString("en-US")} principals, one pass`,
      },
      {
        key: "recommender.ms_per_principal_10k",
        value: Number(((fleetS * 1000) / FLEET).toFixed(3)),
        unit: "ms",
        label: "mean per principal in the 10,000 pass",
      },
      {
        key: "recommender.weekly_report_10k_s",
        value: Number(reportS.toFixed(2)),
        unit: "s",
        label: "weekly excess report over the 10,000 principals (rank all, recommend for the top)",
      },
    ];
  },
};
