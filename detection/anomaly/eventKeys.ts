import type { ActorKind, IamEvent } from "../model";
import { awsActionsByLowerName } from "../referenceData";
import { hash32 } from "./prng";

/**
 * What the anomaly model reads from one IamEvent, derived once per event and shared by the
 * feature extractor and the baseline update: time buckets, the network prefix, a stable user
 * agent key, the target's project/account, and whether the call changes IAM or is privileged.
 */
export interface EventKeys {
  t: number;
  /** Days since the epoch (UTC). */
  day: number;
  /** Hours since the epoch (UTC): the unit of "active hours". */
  hour: number;
  /** 0..167: weekday (0 = Sunday) × 24 + hour of day, UTC. */
  hourOfWeek: number;
  ip?: string;
  prefix?: string;
  userAgent?: string;
  action: string;
  service: string;
  /** Project (GCP) or account (AWS) the target lives in; the target id when neither is known. */
  target: string;
  /** Hash of the exact resource touched, for "distinct resources in the window". */
  resource: number;
  failed: boolean;
  iamChange: boolean;
  privileged: boolean;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type ActorClass = "human" | "serviceAccount" | "role";

/** Peer-group fallback kind: people, machine identities (regular schedules), and roles. */
export function actorClass(kind: ActorKind): ActorClass {
  if (kind === "serviceAccount" || kind === "service") return "serviceAccount";
  if (kind === "role") return "role";
  return "human";
}

export function eventKeys(event: IamEvent): EventKeys {
  const t = Date.parse(event.time);
  if (Number.isNaN(t)) throw new Error(`event ${event.id}: unparseable time ${event.time}`);
  const hour = Math.floor(t / HOUR_MS);
  const day = Math.floor(t / DAY_MS);
  // 1970-01-01 was a Thursday (weekday 4).
  const hourOfWeek = ((day + 4) % 7) * 24 + (hour % 24);
  const ip = event.sourceIp || undefined;
  const cls = classify(event);
  return {
    t,
    day,
    hour,
    hourOfWeek,
    ip,
    prefix: ip ? memo(PREFIX_CACHE, ip, ipPrefix) : undefined,
    userAgent: event.userAgent ? memo(UA_CACHE, event.userAgent, userAgentKey) : undefined,
    action: event.action,
    service: event.service,
    target: event.target.project ?? event.target.id,
    resource: hash32(event.target.id),
    failed: !event.success,
    iamChange: cls.iamChange || event.grants.length > 0 || event.revokes.length > 0,
    privileged: cls.privileged,
  };
}

// Few distinct IPs and user agents recur in millions of events: derive each key once.
const PREFIX_CACHE = new Map<string, string>();
const UA_CACHE = new Map<string, string>();
function memo(cache: Map<string, string>, key: string, fn: (s: string) => string): string {
  let v = cache.get(key);
  if (v === undefined) {
    v = fn(key);
    if (cache.size >= 50_000) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** IPv4 → its /24 ("203.0.113.0/24"), IPv6 → its /48; anything else (GCP "private", hostnames) as is. */
export function ipPrefix(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(":")) {
    const [head, tail] = ip.split("::");
    const h = head ? head.split(":") : [];
    const groups =
      tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - tail.split(":").length)).fill("0")];
    const g = [0, 1, 2].map((i) => (groups[i] ?? "0").replace(/^0+(?=.)/, "").toLowerCase());
    return `${g.join(":")}::/48`;
  }
  return ip;
}

/**
 * A user agent reduced to what identifies the tool and platform: versions become '#', and the
 * per-call parts the AWS CLI and gcloud append (command/…, invocation-id/…, md/…) are dropped,
 * so an upgrade or a different subcommand is not "a new user agent".
 */
export function userAgentKey(ua: string): string {
  return ua
    .toLowerCase()
    .replace(/\b(command|invocation-id|md|cfg|prompt|exec-env|exe|ft|m|api|ua|lang|os|ide)\/\S*/g, "")
    .replace(/\d+/g, "#")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 160);
}

/** Service → action → class: nested, so a lookup builds no key string. */
const CLASS_CACHE = new Map<string, Map<string, { iamChange: boolean; privileged: boolean }>>();
let classCached = 0;

const GCP_PRIVILEGED =
  /(setiampolicy|createserviceaccountkey|uploadserviceaccountkey|generateaccesstoken|signblob|signjwt|createrole|updaterole|undeleterole|setorgpolicy|createworkloadidentitypoolprovider)$/i;
const GCP_IAM_CHANGE =
  /(setiampolicy|serviceaccountkey|serviceaccount$|createrole|updaterole|deleterole|undeleterole|disableserviceaccount|enableserviceaccount|createworkloadidentitypool)/i;
const AWS_CREDENTIALS = /^(createaccesskey|createloginprofile|updateloginprofile|updateassumerolepolicy)$/i;

/** Whether a call changes IAM and whether it is privileged (permissions management, credentials). */
export function classify(event: Pick<IamEvent, "service" | "action">): {
  iamChange: boolean;
  privileged: boolean;
} {
  // The service names the cloud (".amazonaws.com" or a Google API), so it and the action are the key.
  let byAction = CLASS_CACHE.get(event.service);
  const hit = byAction?.get(event.action);
  if (hit) return hit;
  let iamChange = false;
  let privileged = false;
  if (event.service.endsWith(".amazonaws.com")) {
    const prefix = event.service.slice(0, -".amazonaws.com".length);
    const level = awsActionsByLowerName().get(`${prefix}:${event.action}`.toLowerCase())?.level;
    privileged =
      level === "Permissions management" || (prefix === "iam" && AWS_CREDENTIALS.test(event.action));
    iamChange = privileged || (prefix === "iam" && (level === "Write" || level === "Tagging"));
  } else {
    const last = event.action.slice(event.action.lastIndexOf(".") + 1);
    privileged = GCP_PRIVILEGED.test(last);
    iamChange = privileged || GCP_IAM_CHANGE.test(last) || event.service === "iam.googleapis.com";
    if (event.service === "iam.googleapis.com" && /^(get|list|query|test)/i.test(last))
      iamChange = privileged;
  }
  const out = { iamChange, privileged };
  if (classCached < 50_000) {
    if (!byAction) {
      byAction = new Map();
      CLASS_CACHE.set(event.service, byAction);
    }
    byAction.set(event.action, out);
    classCached++;
  }
  return out;
}

/** "google.iam.admin.v1.CreateServiceAccountKey" → "CreateServiceAccountKey"; other names unchanged. */
export function shortAction(action: string): string {
  const last = action.slice(action.lastIndexOf(".") + 1);
  return /^[A-Z]/.test(last) ? last : action;
}
