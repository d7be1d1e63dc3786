import { mulberry32 as seededRandom } from "../detection/anomaly/prng";
import type { IamEvent } from "../detection/model";

/**
 * A synthetic organisation for the anomaly model, seeded so every run is the same: people in
 * departments with their own time zones, working hours, projects, networks and tools, service
 * accounts on machine-regular schedules, a few dormant accounts, and normal change work.
 * Events are GCP Cloud Audit shaped IamEvents; `toLogEntry` turns one into the LogEntry the
 * webhook receives (end-to-end tests). Then `injectScenarios` adds compromise scenarios on
 * held-out identities, labelled, for ROC AUC.
 */
export const DAY = 86_400_000;
const HOUR = 3_600_000;
export const ORG_START = Date.parse("2026-06-01T00:00:00Z");

interface Person {
  id: string;
  kind: "user" | "serviceAccount";
  dept: string;
  /** Hours from UTC of the person's working day. */
  tz: number;
  startHour: number;
  endHour: number;
  perDay: number;
  projects: string[];
  ips: string[];
  userAgents: string[];
  actions: [service: string, action: string][];
  /** Service accounts: fixed run times (UTC hour) and minute offset. */
  runHours?: number[];
  /** Active only before this day (dormant accounts). */
  activeUntilDay?: number;
}

const DEPTS = [
  { name: "engineering", tz: -5, projects: ["acme-web", "acme-api", "acme-prod"], iamShare: 0.03 },
  { name: "data", tz: 1, projects: ["acme-data", "acme-ml"], iamShare: 0.01 },
  { name: "finance", tz: -8, projects: ["acme-billing"], iamShare: 0.002 },
  { name: "platform", tz: 5.5, projects: ["acme-prod", "acme-infra", "acme-net"], iamShare: 0.06 },
  { name: "security", tz: 0, projects: ["acme-security", "acme-prod"], iamShare: 0.04 },
];

const ROUTINE: Record<string, [string, string][]> = {
  engineering: [
    ["compute.googleapis.com", "v1.compute.instances.get"],
    ["compute.googleapis.com", "v1.compute.instances.list"],
    ["storage.googleapis.com", "storage.objects.get"],
    ["storage.googleapis.com", "storage.objects.create"],
    ["run.googleapis.com", "google.cloud.run.v1.Services.ReplaceService"],
    ["logging.googleapis.com", "google.logging.v2.LoggingServiceV2.ListLogEntries"],
    ["cloudbuild.googleapis.com", "google.devtools.cloudbuild.v1.CloudBuild.CreateBuild"],
  ],
  data: [
    ["bigquery.googleapis.com", "google.cloud.bigquery.v2.JobService.InsertJob"],
    ["bigquery.googleapis.com", "google.cloud.bigquery.v2.TableService.GetTable"],
    ["storage.googleapis.com", "storage.objects.get"],
    ["storage.googleapis.com", "storage.objects.list"],
    ["aiplatform.googleapis.com", "google.cloud.aiplatform.v1.JobService.CreateCustomJob"],
  ],
  finance: [
    ["bigquery.googleapis.com", "google.cloud.bigquery.v2.JobService.InsertJob"],
    ["cloudbilling.googleapis.com", "google.cloud.billing.v1.CloudBilling.GetBillingAccount"],
    ["storage.googleapis.com", "storage.objects.get"],
  ],
  platform: [
    ["compute.googleapis.com", "v1.compute.instances.insert"],
    ["compute.googleapis.com", "v1.compute.firewalls.patch"],
    ["container.googleapis.com", "google.container.v1.ClusterManager.UpdateCluster"],
    ["iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts"],
    ["storage.googleapis.com", "storage.buckets.get"],
    ["logging.googleapis.com", "google.logging.v2.ConfigServiceV2.ListSinks"],
  ],
  security: [
    ["logging.googleapis.com", "google.logging.v2.LoggingServiceV2.ListLogEntries"],
    ["cloudresourcemanager.googleapis.com", "GetIamPolicy"],
    ["iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts"],
    ["securitycenter.googleapis.com", "google.cloud.securitycenter.v1.SecurityCenter.ListFindings"],
  ],
};
const IAM_CHANGES: [string, string][] = [
  ["cloudresourcemanager.googleapis.com", "SetIamPolicy"],
  ["iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccount"],
  ["storage.googleapis.com", "storage.setIamPermissions"],
];
const SA_JOBS: [string, string][][] = [
  [
    ["storage.googleapis.com", "storage.objects.create"],
    ["storage.googleapis.com", "storage.objects.delete"],
  ],
  [
    ["bigquery.googleapis.com", "google.cloud.bigquery.v2.JobService.InsertJob"],
    ["bigquery.googleapis.com", "google.cloud.bigquery.v2.TableService.GetTable"],
  ],
  [
    ["compute.googleapis.com", "v1.compute.instances.get"],
    ["monitoring.googleapis.com", "google.monitoring.v3.MetricService.CreateTimeSeries"],
  ],
  [
    ["pubsub.googleapis.com", "google.pubsub.v1.Publisher.Publish"],
    [
      "secretmanager.googleapis.com",
      "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
    ],
  ],
];
const HUMAN_UAS = [
  "google-cloud-sdk gcloud/498.0.0 command/gcloud.compute.instances.list invocation-id/1 environment/None",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36,gzip(gfe)",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36,gzip(gfe)",
  "Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-google/6.8.0",
];
const SA_UAS = [
  "google-api-go-client/0.5 gl-go/1.22.5 gdcl/0.197.0",
  "gcloud-python/3.24.0 gl-python/3.11.9 grpc/1.66.1",
  "google-cloud-sdk/java gl-java/17 gccl/2.43.1",
];

export interface Org {
  people: Person[];
  days: number;
  start: number;
}

export function generateOrg(opts: { identities?: number; days?: number; seed?: number } = {}): Org {
  const rnd = seededRandom(opts.seed ?? 7);
  const n = opts.identities ?? 1000;
  const people: Person[] = [];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  for (let i = 0; i < n; i++) {
    const machine = i % 5 === 4;
    const d = DEPTS[i % DEPTS.length];
    if (machine) {
      const job = SA_JOBS[i % SA_JOBS.length];
      const every = pick([1, 2, 4, 6]);
      people.push({
        id: `svc-${d.name}-${i}@${pick(d.projects)}.iam.gserviceaccount.com`,
        kind: "serviceAccount",
        dept: d.name,
        tz: 0,
        startHour: 0,
        endHour: 24,
        perDay: 0,
        projects: [pick(d.projects)],
        ips: [`35.${190 + (i % 40)}.${i % 250}.${10 + (i % 200)}`],
        userAgents: [pick(SA_UAS)],
        actions: job,
        runHours: Array.from({ length: 24 / every }, (_, k) => (k * every + (i % every)) % 24),
      });
      continue;
    }
    const home = `${pick([73, 98, 24, 86, 174])}.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.${1 + Math.floor(rnd() * 250)}`;
    const office = `203.0.${(i % 5) * 10 + 3}.${1 + Math.floor(rnd() * 250)}`;
    const routine = ROUTINE[d.name];
    people.push({
      id: `${d.name}.person${i}@acme.example`,
      kind: "user",
      dept: d.name,
      tz: d.tz,
      startHour: 8 + Math.floor(rnd() * 3),
      endHour: 16 + Math.floor(rnd() * 4),
      perDay: 6 + Math.floor(rnd() * 30),
      projects: d.projects.slice(0, 1 + Math.floor(rnd() * d.projects.length)),
      ips: [office, home],
      userAgents: [pick(HUMAN_UAS), pick(HUMAN_UAS)],
      actions: [
        ...routine.slice(0, 2 + Math.floor(rnd() * (routine.length - 1))),
        ...(rnd() < d.iamShare * 15 ? [pick(IAM_CHANGES)] : []),
      ],
      ...(i % 97 === 13 ? { activeUntilDay: 20 } : {}),
    });
  }
  return { people, days: opts.days ?? 90, start: ORG_START };
}

let seq = 0;
// Shared pieces keep a million generated events small (the bench holds them all in memory).
const EMPTY: never[] = [];
const DETAILS = {};
const ACTORS = new Map<string, IamEvent["actor"]>();
const TARGETS = new Map<string, IamEvent["target"]>();
const TIMES = new WeakMap<IamEvent, number>();

function event(
  p: Person,
  t: number,
  svc: string,
  action: string,
  over: Partial<Pick<IamEvent, "sourceIp" | "userAgent" | "success">> & {
    project?: string;
    resource?: string;
  } = {},
): IamEvent {
  const project = over.project ?? p.projects[seq % p.projects.length];
  const service = svc.split(".")[0];
  const resource = over.resource ?? `projects/${project}/${service}/r${seq % 7}`;
  let actor = ACTORS.get(p.id);
  if (!actor) {
    actor = { id: p.id, kind: p.kind, display: p.id, delegationChain: EMPTY };
    ACTORS.set(p.id, actor);
  }
  let target = TARGETS.get(resource);
  if (!target) {
    target = { kind: service, id: resource, project, level: "resource" };
    TARGETS.set(resource, target);
  }
  const e: IamEvent = {
    id: `syn-${++seq}`,
    source: "gcp",
    time: new Date(t).toISOString(),
    actor,
    action,
    service: svc,
    target,
    grants: EMPTY,
    revokes: EMPTY,
    policyDocuments: EMPTY,
    permissionsUsed: EMPTY,
    success: over.success ?? true,
    sourceIp: over.sourceIp ?? p.ips[0],
    userAgent: over.userAgent ?? p.userAgents[0],
    details: DETAILS,
    raw: undefined,
  };
  TIMES.set(e, t);
  return e;
}

/** Sorts generated events by time (numeric, not string compare). */
export function byTime(a: IamEvent, b: IamEvent): number {
  return (TIMES.get(a) ?? Date.parse(a.time)) - (TIMES.get(b) ?? Date.parse(b.time));
}

/** One day of normal activity for everyone, in time order. */
export function dayEvents(org: Org, day: number, seed = 11): IamEvent[] {
  const rnd = seededRandom(seed * 100_003 + day);
  const dayStart = org.start + day * DAY;
  const weekday = new Date(dayStart).getUTCDay();
  const out: IamEvent[] = [];
  for (const p of org.people) {
    if (p.activeUntilDay !== undefined && day >= p.activeUntilDay) continue;
    if (p.runHours) {
      for (const h of p.runHours) {
        const t = dayStart + h * HOUR + 60_000 * (5 + (p.id.length % 20)) + Math.floor(rnd() * 30_000);
        for (const [svc, action] of p.actions) out.push(event(p, t + (out.length % 5), svc, action));
      }
      continue;
    }
    const working = weekday !== 0 && weekday !== 6 ? 1 : rnd() < 0.1 ? 0.15 : 0;
    const count = Math.round(p.perDay * working * (0.6 + 0.8 * rnd()));
    for (let k = 0; k < count; k++) {
      const localHour = p.startHour + rnd() * (p.endHour - p.startHour);
      const t = dayStart + Math.floor((localHour - p.tz) * HOUR);
      const [svc, action] = p.actions[Math.floor(rnd() * p.actions.length)];
      out.push(
        event(p, t, svc, action, {
          sourceIp: p.ips[rnd() < 0.7 ? 0 : 1],
          userAgent: p.userAgents[rnd() < 0.8 ? 0 : 1],
          success: rnd() > 0.01,
        }),
      );
    }
  }
  return out.sort(byTime);
}

/** Days [from, to) of normal activity, in time order. */
export function orgEvents(org: Org, from: number, to: number): IamEvent[] {
  const out: IamEvent[] = [];
  for (let d = from; d < to; d++) for (const e of dayEvents(org, d)) out.push(e);
  return out;
}

export type ScenarioName =
  | "stolen_credentials"
  | "privilege_escalation"
  | "mass_enumeration"
  | "dormant_wakeup"
  | "sa_key_from_laptop";

export interface Injected {
  scenario: ScenarioName;
  events: IamEvent[];
}

/**
 * Compromise scenarios on held-out identities, at `day` (after training): each a short burst
 * of events that a responder would want to see, in the attacker's own time and network.
 */
export function injectScenarios(org: Org, day: number, perScenario = 20, seed = 5): Injected[] {
  const rnd = seededRandom(seed);
  const humans = org.people.filter((p) => p.kind === "user" && p.activeUntilDay === undefined);
  const machines = org.people.filter((p) => p.kind === "serviceAccount");
  const dormant = org.people.filter((p) => p.activeUntilDay !== undefined);
  const dayStart = org.start + day * DAY;
  const out: Injected[] = [];
  const attackerIp = () => `185.220.${100 + Math.floor(rnd() * 5)}.${1 + Math.floor(rnd() * 250)}`;
  for (let i = 0; i < perScenario; i++) {
    const p = humans[(i * 7 + 3) % humans.length];
    const t = dayStart + Math.floor((3 - p.tz) * HOUR + rnd() * HOUR);
    const ip = attackerIp();
    const ua = "python-requests/2.32.3";
    out.push({
      scenario: "stolen_credentials",
      events: [
        event(p, t, p.actions[0][0], p.actions[0][1], { sourceIp: ip, userAgent: ua }),
        event(p, t + 60_000, "iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts", {
          sourceIp: ip,
          userAgent: ua,
        }),
        event(p, t + 120_000, "iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccountKey", {
          sourceIp: ip,
          userAgent: ua,
        }),
      ],
    });
    const q = humans[(i * 11 + 5) % humans.length];
    const tq = dayStart + Math.floor((q.startHour + 2 - q.tz) * HOUR);
    out.push({
      scenario: "privilege_escalation",
      events: [
        event(q, tq, "iam.googleapis.com", "google.iam.admin.v1.CreateRole"),
        event(q, tq + 30_000, "cloudresourcemanager.googleapis.com", "SetIamPolicy", {
          project: "acme-prod",
        }),
        event(q, tq + 60_000, "iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccountKey"),
        event(q, tq + 90_000, "iam.googleapis.com", "google.iam.credentials.v1.GenerateAccessToken"),
      ],
    });
    const e = humans[(i * 13 + 1) % humans.length];
    const te = dayStart + Math.floor((e.endHour + 3 - e.tz) * HOUR);
    const enumIp = attackerIp();
    const burst: IamEvent[] = [];
    const lists: [string, string][] = [
      ["iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts"],
      ["iam.googleapis.com", "google.iam.admin.v1.ListRoles"],
      ["cloudresourcemanager.googleapis.com", "GetIamPolicy"],
      ["storage.googleapis.com", "storage.buckets.list"],
      ["secretmanager.googleapis.com", "google.cloud.secretmanager.v1.SecretManagerService.ListSecrets"],
    ];
    for (let k = 0; k < 30; k++) {
      const [svc, action] = lists[k % lists.length];
      burst.push(
        event(e, te + k * 20_000, svc, action, {
          sourceIp: enumIp,
          userAgent: "ScoutSuite/5.14.0",
          success: rnd() < 0.5,
          project: `acme-${["prod", "infra", "billing", "security", "ml", "net"][k % 6]}`,
          resource: `projects/acme/enum/${k}`,
        }),
      );
    }
    out.push({ scenario: "mass_enumeration", events: burst });
    if (dormant.length) {
      const z = dormant[i % dormant.length];
      const tz = dayStart + Math.floor((z.startHour + 1 - z.tz) * HOUR) + i * 600_000;
      out.push({
        scenario: "dormant_wakeup",
        events: [
          event(z, tz, z.actions[0][0], z.actions[0][1], { sourceIp: z.ips[1] }),
          event(z, tz + 60_000, "cloudresourcemanager.googleapis.com", "SetIamPolicy", {
            sourceIp: z.ips[1],
          }),
        ],
      });
    }
    const s = machines[(i * 5 + 2) % machines.length];
    const ts = dayStart + Math.floor((13.5 + rnd()) * HOUR);
    const laptop = `${pick2(rnd, [73, 98, 24])}.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.9`;
    const mac = "google-cloud-sdk gcloud/498.0.0 command/gcloud.storage.cp invocation-id/9 environment/None";
    out.push({
      scenario: "sa_key_from_laptop",
      events: [
        event(s, ts, s.actions[0][0], s.actions[0][1], { sourceIp: laptop, userAgent: mac }),
        event(s, ts + 45_000, "storage.googleapis.com", "storage.objects.list", {
          sourceIp: laptop,
          userAgent: mac,
        }),
      ],
    });
  }
  return out;
}

function pick2<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

/** The Cloud Audit LogEntry (AuditLog protoPayload) a webhook would carry for this event. */
export function toLogEntry(e: IamEvent): Record<string, unknown> {
  return {
    protoPayload: {
      "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
      status: e.success ? {} : { code: 7, message: "Permission denied" },
      authenticationInfo: { principalEmail: e.actor.id },
      requestMetadata: {
        callerIp: e.sourceIp,
        callerSuppliedUserAgent: e.userAgent,
        requestAttributes: { time: e.time, auth: {} },
        destinationAttributes: {},
      },
      serviceName: e.service,
      methodName: e.action,
      authorizationInfo: [
        { resource: e.target.id, permission: `${e.service.split(".")[0]}.get`, granted: e.success },
      ],
      resourceName: e.target.id,
    },
    insertId: e.id,
    resource: { type: "audited_resource", labels: { project_id: e.target.project, service: e.service } },
    timestamp: e.time,
    severity: e.success ? "NOTICE" : "ERROR",
    logName: `projects/${e.target.project}/logs/cloudaudit.googleapis.com%2Factivity`,
    receiveTimestamp: e.time,
  };
}
