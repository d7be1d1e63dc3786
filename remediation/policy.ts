import { globMatch } from "../detection/globMatch";
import type { RemediationAction } from "../detection/model";
import type { RemediationConfig } from "./remediationConfig";

/**
 * Remediation policy: what may run, when it may run by itself, and what needs two people.
 * Pure functions over the parsed configuration; the breaker's state lives in the store
 * (remediation/breaker.ts) because every replica must see it.
 */

export interface TwoPersonRule {
  /** Playbook name or action kind (glob). */
  selector: string;
  /** Only actions on this role (glob), e.g. roles/owner. */
  role?: string;
  /** Only actions whose affected principal is a person. */
  humanOnly: boolean;
  raw: string;
}

export interface RemediationPolicy {
  mode: "dry-run" | "enforce";
  autoRemediate: boolean;
  autoThreshold: number;
  /** Per-playbook overrides of autoThreshold. */
  thresholds: Record<string, number>;
  /** Glob patterns of principals and projects/accounts never changed. */
  neverTouch: string[];
  twoPerson: TwoPersonRule[];
  breakerMaxAutoPerHour: number;
  suppressionDays: number;
  maxAttempts: number;
}

export const DEFAULT_TWO_PERSON =
  "remove-binding(roles/owner):human,gcp.removeMemberEverywhere:human,quarantine-identity:human,leaver";

/** "sel(role):human,sel2" → rules. */
export function parseTwoPersonRules(spec: string): TwoPersonRule[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw) => {
      const m = /^([^():]+)(?:\(([^)]+)\))?(:human)?$/.exec(raw);
      if (!m)
        throw new Error(`TWO_PERSON_ACTIONS: cannot read "${raw}" (want name, name(role) or name:human)`);
      return { selector: m[1].trim(), role: m[2]?.trim(), humanOnly: Boolean(m[3]), raw };
    });
}

export function policyFromConfig(
  cfg: Pick<
    RemediationConfig,
    | "REMEDIATION_MODE"
    | "AUTO_REMEDIATE"
    | "AUTO_REMEDIATE_THRESHOLD"
    | "AUTO_REMEDIATE_THRESHOLDS"
    | "NEVER_TOUCH"
    | "TWO_PERSON_ACTIONS"
    | "BREAKER_MAX_AUTO_PER_HOUR"
    | "SUPPRESSION_DAYS"
    | "REMEDIATION_MAX_ATTEMPTS"
  >,
): RemediationPolicy {
  return {
    mode: cfg.REMEDIATION_MODE,
    autoRemediate: cfg.AUTO_REMEDIATE,
    autoThreshold: cfg.AUTO_REMEDIATE_THRESHOLD,
    thresholds: cfg.AUTO_REMEDIATE_THRESHOLDS,
    neverTouch: cfg.NEVER_TOUCH,
    twoPerson: parseTwoPersonRules(cfg.TWO_PERSON_ACTIONS),
    breakerMaxAutoPerHour: cfg.BREAKER_MAX_AUTO_PER_HOUR,
    suppressionDays: cfg.SUPPRESSION_DAYS,
    maxAttempts: cfg.REMEDIATION_MAX_ATTEMPTS,
  };
}

/** The safe default: dry-run, no automatic runs, default two-person rules. */
export function defaultPolicy(overrides: Partial<RemediationPolicy> = {}): RemediationPolicy {
  return {
    mode: "dry-run",
    autoRemediate: false,
    autoThreshold: 85,
    thresholds: {},
    neverTouch: [],
    twoPerson: parseTwoPersonRules(DEFAULT_TWO_PERSON),
    breakerMaxAutoPerHour: 10,
    suppressionDays: 30,
    maxAttempts: 4,
    ...overrides,
  };
}

/** Every name an action's principal and scope go by, so "bob", "user:bob@x" and the ARN all match. */
function touchedNames(action: RemediationAction): string[] {
  const p = action.params;
  const names = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v !== "string" || !v) return;
    names.add(v);
    const member = /^(?:user|serviceAccount|group|principal|deleted:user):(.+)$/.exec(v);
    if (member) names.add(member[1]);
    const arn = /^arn:aws[\w-]*:iam::(\d{12}):(?:user|role|group)\/(?:.*\/)?([^/]+)$/.exec(v);
    if (arn) {
      names.add(arn[1]);
      names.add(arn[2]);
    }
    const project = /^(?:\/\/[^/]+\/)?(?:projects|folders|organizations)\/([^/]+)/.exec(v);
    if (project) names.add(project[1]);
  };
  add(p.principal);
  add(p.principalName);
  add(p.scope);
  add(p.account);
  add(p.member);
  add(p.serviceAccount);
  add(p.resource);
  add(action.target);
  return [...names];
}

/** The never-touch pattern an action hits (with the name it matched), if any. */
export function neverTouchHit(
  policy: RemediationPolicy,
  action: RemediationAction,
): { pattern: string; name: string } | undefined {
  const names = touchedNames(action);
  for (const pattern of policy.neverTouch) {
    const name = names.find((n) => globMatch(pattern, n));
    if (name) return { pattern, name };
  }
  return undefined;
}

/** The two-person rule an action falls under, if any. */
export function twoPersonHit(
  policy: RemediationPolicy,
  action: RemediationAction,
): TwoPersonRule | undefined {
  const playbook = typeof action.params.playbook === "string" ? action.params.playbook : "";
  const role = typeof action.params.role === "string" ? action.params.role : undefined;
  const human = action.params.principalKind === "human";
  return policy.twoPerson.find((r) => {
    if (!globMatch(r.selector, playbook) && !globMatch(r.selector, action.kind)) return false;
    if (r.role && !(role && globMatch(r.role, role))) return false;
    if (r.humanOnly && !human) return false;
    return true;
  });
}

/** The strictest auto threshold among the playbooks of a plan. */
export function thresholdFor(policy: RemediationPolicy, playbooks: string[]): number {
  const values = playbooks.map((p) => policy.thresholds[p] ?? policy.autoThreshold);
  return values.length ? Math.max(...values) : policy.autoThreshold;
}
