import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gcpRole } from "../../detection/referenceData";
import { managedPolicySummary, summarizePolicyDocument } from "../../remediation/leastPrivilege/awsActions";
import type { PrincipalGrants } from "../../remediation/leastPrivilege/grantSource";
import { DEFAULT_LEAST_PRIVILEGE } from "../../remediation/leastPrivilege/leastPrivilegeConfig";
import { recommend } from "../../remediation/leastPrivilege/recommend";
import { toPlan } from "../../remediation/leastPrivilege/recommendation";
import { dayNumber, type UsageDoc } from "../../remediation/leastPrivilege/usage";

/**
 * Whatever a principal holds and used, applying the recommendation leaves it every permission
 * it used in the window: computed from the plan that would run (roles removed and added,
 * custom role created, policies detached and put), not from the recommendation's own summary.
 */

const NOW = new Date("2026-11-23T10:00:00Z");
const TODAY = dayNumber(NOW);
const settings = DEFAULT_LEAST_PRIVILEGE;
const windowStart = TODAY - settings.windowDays + 1;

const GCP_ROLES = [
  "roles/editor",
  "roles/owner",
  "roles/viewer",
  "roles/storage.admin",
  "roles/storage.objectViewer",
  "roles/pubsub.editor",
  "roles/pubsub.publisher",
  "roles/bigquery.dataEditor",
  "roles/bigquery.jobUser",
  "roles/compute.instanceAdmin.v1",
  "roles/iam.serviceAccountUser",
  "roles/logging.viewer",
  "roles/cloudsql.client",
  "roles/run.developer",
  // A custom role whose contents the bot does not know: it must be kept.
  "projects/acme-prod/roles/deployer",
];
const RESOURCES = ["projects/acme-prod", "projects/acme-dev", "folders/1234"];

const rolePerms = (role: string): string[] => gcpRole(role)?.permissions ?? [];

function usageDoc(
  cloud: "gcp" | "aws",
  principal: string,
  member: string,
  observedSince: number,
  perms: UsageDoc["perms"],
): UsageDoc {
  return {
    cloud,
    principal,
    member,
    observedSince,
    lastEventDay: TODAY,
    perms,
    gcpBindings: {},
    awsManagedPolicies: [],
    awsInlinePolicies: {},
    updatedAt: NOW.toISOString(),
  };
}

/** Usage entries: indices into the granted list (or a permission nobody granted) and a day. */
const useEntry = fc.record({
  pick: fc.nat(),
  foreign: fc.boolean(),
  daysAgo: fc.integer({ min: 0, max: 150 }),
  count: fc.integer({ min: 1, max: 500 }),
});

describe("a GCP recommendation never drops a used permission", () => {
  const gcpCase = fc.record({
    bindings: fc.dictionary(
      fc.constantFrom(...RESOURCES),
      fc.uniqueArray(fc.constantFrom(...GCP_ROLES), { minLength: 1, maxLength: 3 }),
      { minKeys: 1, maxKeys: 2 },
    ),
    uses: fc.array(useEntry, { minLength: 0, maxLength: 25 }),
    historyDays: fc.integer({ min: 1, max: 200 }),
  });

  it("keeps every permission used in the window on every resource", () => {
    let applied = 0;
    fc.assert(
      fc.property(gcpCase, ({ bindings, uses, historyDays }) => {
        const granted = [...new Set(Object.values(bindings).flat().flatMap(rolePerms))].sort();
        const perms: UsageDoc["perms"] = {};
        for (const u of uses) {
          const p =
            u.foreign || granted.length === 0
              ? `madeup.things.op${u.pick % 7}`
              : granted[u.pick % granted.length];
          perms[p] = [TODAY - u.daysAgo, u.count];
        }
        const doc = usageDoc("gcp", "ana@acme.com", "user:ana@acme.com", TODAY - historyDays + 1, perms);
        const grants: PrincipalGrants = {
          gcpBindings: bindings,
          gcpCustomRoles: {},
          awsManagedPolicies: [],
          awsInlinePolicies: {},
        };
        const recs = recommend(doc, grants, settings, NOW);
        expect(recs.map((r) => r.resource).sort()).toEqual(Object.keys(bindings).sort());
        for (const rec of recs) {
          const plan = toPlan(rec);
          if (historyDays < settings.minHistoryDays) {
            expect(rec.status).toBe("insufficient_history");
            expect(plan).toBeUndefined();
            continue;
          }
          if (!plan) {
            expect(rec.status).not.toBe("ok");
            continue;
          }
          const params = plan.actions[0].params as {
            removeRoles: string[];
            addRoles: string[];
            createCustomRole?: { name: string; permissions: string[] };
          };
          applied++;
          const current = bindings[rec.resource];
          const after = [...current.filter((r) => !params.removeRoles.includes(r)), ...params.addRoles];
          const held = new Set<string>();
          for (const r of after) {
            const list =
              params.createCustomRole && r === params.createCustomRole.name
                ? params.createCustomRole.permissions
                : rolePerms(r);
            for (const p of list) held.add(p);
          }
          const hadHere = new Set(current.flatMap(rolePerms));
          for (const [p, [last]] of Object.entries(perms)) {
            if (last < windowStart || !hadHere.has(p)) continue;
            expect(
              held.has(p),
              `${p} used on ${rec.resource} but dropped by ${plan.actions[0].description}`,
            ).toBe(true);
          }
          // Roles the bot cannot see into are never removed.
          for (const r of rec.current.unknown) expect(params.removeRoles).not.toContain(r);
          // Every used permission is shown with its evidence.
          for (const k of rec.kept) expect(perms[k.permission][0]).toBeGreaterThanOrEqual(windowStart);
        }
      }),
      { numRuns: 120, seed: 17 },
    );
    // The property is about plans that change something: enough of the cases must produce one.
    expect(applied).toBeGreaterThan(30);
  });
});

describe("an AWS recommendation never drops a used action", () => {
  const MANAGED = [
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
    "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonSQSFullAccess",
    // Customer managed: contents unknown, so it must stay attached.
    "arn:aws:iam::111122223333:policy/team-deploy",
  ];
  const INLINE: Record<string, unknown> = {
    "lambda-deploy": {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["lambda:Update*", "lambda:GetFunction"], Resource: "*" }],
    },
    "no-delete": {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "ec2:Describe*", Resource: "*" },
        { Effect: "Deny", Action: "ec2:Delete*", Resource: "*" },
      ],
    },
    "kms-use": JSON.stringify({
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" },
    }),
  };

  const awsCase = fc.record({
    managed: fc.uniqueArray(fc.constantFrom(...MANAGED), { minLength: 0, maxLength: 3 }),
    inline: fc.uniqueArray(fc.constantFrom(...Object.keys(INLINE)), { minLength: 0, maxLength: 2 }),
    uses: fc.array(fc.record({ entry: useEntry, lower: fc.boolean() }), { minLength: 0, maxLength: 25 }),
    historyDays: fc.integer({ min: 1, max: 200 }),
  });

  it("puts every action used in the window in the policy that replaces the detached ones", () => {
    let applied = 0;
    fc.assert(
      fc.property(awsCase, ({ managed, inline, uses, historyDays }) => {
        const grantedSet = new Set<string>();
        for (const arn of managed)
          for (const a of managedPolicySummary(arn)?.allowed ?? []) grantedSet.add(a);
        for (const n of inline) for (const a of summarizePolicyDocument(INLINE[n]).allowed) grantedSet.add(a);
        const granted = [...grantedSet].sort();
        const perms: UsageDoc["perms"] = {};
        for (const { entry: u, lower } of uses) {
          let a =
            u.foreign || granted.length === 0
              ? `sts:AssumeRole${u.pick % 3}`
              : granted[u.pick % granted.length];
          if (lower) a = a.toLowerCase();
          perms[a] = [TODAY - u.daysAgo, u.count];
        }
        const arn = "arn:aws:iam::111122223333:role/ci";
        const doc = usageDoc("aws", arn, arn, TODAY - historyDays + 1, perms);
        const grants: PrincipalGrants = {
          gcpBindings: {},
          gcpCustomRoles: {},
          awsManagedPolicies: managed,
          awsInlinePolicies: Object.fromEntries(inline.map((n) => [n, INLINE[n]])),
        };
        const [rec] = recommend(doc, grants, settings, NOW);
        const plan = toPlan(rec);
        if (historyDays < settings.minHistoryDays) {
          expect(rec.status).toBe("insufficient_history");
          expect(plan).toBeUndefined();
          return;
        }
        if (!plan) return;
        applied++;
        const params = plan.actions[0].params as {
          document: unknown;
          detachPolicyArns: string[];
          deleteInlinePolicyNames: string[];
        };
        const held = new Set<string>();
        for (const a of summarizePolicyDocument(params.document).allowed) held.add(a.toLowerCase());
        for (const m of managed.filter((x) => !params.detachPolicyArns.includes(x)))
          for (const a of managedPolicySummary(m)?.allowed ?? []) held.add(a.toLowerCase());
        for (const n of inline.filter((x) => !params.deleteInlinePolicyNames.includes(x)))
          for (const a of summarizePolicyDocument(INLINE[n]).allowed) held.add(a.toLowerCase());
        for (const [a, [last]] of Object.entries(perms)) {
          if (
            last < windowStart ||
            (!grantedSet.has(a) && !granted.some((g) => g.toLowerCase() === a.toLowerCase()))
          )
            continue;
          expect(held.has(a.toLowerCase()), `${a} used but dropped by ${plan.actions[0].description}`).toBe(
            true,
          );
        }
        // Policies with unknown contents or a Deny are never detached or deleted.
        expect(params.detachPolicyArns).not.toContain("arn:aws:iam::111122223333:policy/team-deploy");
        expect(params.deleteInlinePolicyNames).not.toContain("no-delete");
      }),
      { numRuns: 120, seed: 23 },
    );
    expect(applied).toBeGreaterThan(30);
  });
});
