import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderDismissModal, renderMessage } from "../../bot/slack/blockKit";
import { LIMITS, MessageSchema, ModalSchema } from "../../bot/slack/blockKitLimits";
import { digestView } from "../../bot/views/digestView";
import { helpView, noticeView } from "../../bot/views/helpView";
import { identityHealthView } from "../../bot/views/identityView";
import { incidentCardView } from "../../bot/views/incidentCard";
import { incidentListView } from "../../bot/views/incidentListView";
import { lifecycleView } from "../../bot/views/lifecycleView";
import { recommendationView } from "../../bot/views/recommendationView";
import { statusView } from "../../bot/views/statusView";
import type { View } from "../../bot/views/view";
import { type Identity, type Incident, IncidentSchema } from "../../detection/model";

/**
 * Every kind of message the project renders, fed normal and oversized data, must pass the
 * Block Kit limits schema: Slack rejects the whole message (invalid_blocks) otherwise.
 */
const NOW = new Date("2026-11-21T09:00:00Z");
const long = (n: number, unit = "x") => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const hostile = "<!channel> <@U123> <https://evil.example|click> & ";

function incident(over: Partial<Incident> = {}, size = 1): Incident {
  const n = Math.max(1, size);
  return IncidentSchema.parse({
    id: "inc-fc85d36232a489232909",
    groupKey: "mallory@example.com|projects/_/buckets/acme-prod-invoices",
    title: "mallory@example.com made bucket acme-prod-invoices (acme-prod) public",
    actor: { id: "mallory@example.com", kind: "user", display: "mallory@example.com" },
    target: {
      kind: "bucket",
      id: "projects/_/buckets/acme-prod-invoices",
      project: "acme-prod",
      region: "us-central1",
    },
    source: "gcp",
    category: "public_exposure",
    severity: "critical",
    findings: Array.from({ length: n }, (_, i) => ({
      id: `f${i}`,
      detector: "gcp-public-bucket",
      category: "public_exposure",
      severity: "critical",
      summary: `allUsers got roles/storage.objectViewer on acme-prod-invoices ${i}`,
      evidence: { members: ["allUsers"] },
      eventId: `gcp:e${i}`,
      time: "2026-11-20T14:03:12.483Z",
    })),
    eventIds: Array.from({ length: n }, (_, i) => `gcp:e${i}`),
    firstSeen: "2026-11-20T14:03:12.483Z",
    lastSeen: "2026-11-20T14:03:12.483Z",
    risk: 91,
    factors: Array.from({ length: n }, (_, i) => ({
      name: `factor ${i}`,
      points: 10 + i,
      why: "the bucket holds invoices",
    })),
    anomalyReasons: Array.from({ length: Math.min(n, 5) }, () => "first time this user edits IAM"),
    state: "open",
    stateChangedAt: "2026-11-20T14:03:13.000Z",
    plan: {
      playbook: "remove-public-members",
      actions: Array.from({ length: n }, (_, i) => ({
        kind: "gcp.removePublicMembers",
        target: "projects/_/buckets/acme-prod-invoices",
        idempotencyKey: `rem-${i}`,
        description: `Remove allUsers from every role on bucket gs://acme-prod-invoices (${i}).`,
      })),
      auto: false,
      dryRun: true,
      notes: ["Automatic remediation is off: an approver must press Approve."],
    },
    timeline: Array.from({ length: n }, (_, i) => ({
      at: "2026-11-20T14:05:00.000Z",
      by: i % 2 ? "system" : "slack:U0APPROVER",
      what: "took it",
      detail: { display: "alice", outcome: "Assigned to alice" },
    })),
    createdAt: "2026-11-20T14:03:13.000Z",
    updatedAt: "2026-11-20T14:03:13.000Z",
    ...over,
  });
}

function huge(): Incident {
  const base = incident({}, 300);
  return {
    ...base,
    title: long(10_000, `${hostile}title `),
    actor: { ...base.actor, display: long(5000, hostile) },
    target: { ...base.target, id: long(4000, "projects/_/buckets/x") },
    findings: base.findings.map((f) => ({ ...f, summary: long(3000, `${hostile}summary `) })),
    factors: base.factors.map((f) => ({ ...f, name: long(500, "n"), why: long(3000, hostile) })),
    plan: {
      ...base.plan!,
      actions: base.plan!.actions.map((a) => ({ ...a, description: long(2000, `${hostile}remove `) })),
      notes: Array.from({ length: 10 }, () => long(2000, "note ")),
    },
    assignee: "slack:U0APPROVER",
  };
}

function identity(): Identity {
  return {
    id: "mallory@example.com",
    kind: "user",
    display: long(3000, hostile),
    aliases: Array.from({ length: 200 }, (_, i) => `user:alias${i}@example.com`),
    lifecycle: "leaver",
    lifecycleChangedAt: "2026-11-19T00:00:00Z",
    owner: long(1000, "owner"),
    department: long(1000, "dept"),
    knownToIga: true,
    riskHistory: Array.from({ length: 60 }, (_, i) => ({ day: `2026-10-${(i % 28) + 1}`, risk: i })),
    updatedAt: "2026-11-20T00:00:00Z",
  };
}

function allViews(): [string, View][] {
  const big = huge();
  const many = Array.from({ length: 400 }, (_, i) => ({ ...huge(), id: `inc-${i}` }));
  const out: [string, View][] = [];
  for (const state of ["open", "snoozed", "remediated", "dismissed", "failed", "reverted"] as const) {
    out.push([
      `incident card (${state}, normal)`,
      incidentCardView(incident({ state, snoozedUntil: "2026-11-21T10:00:00Z" }), {
        detailsUrl: "https://immune.example.com/incidents/inc-1?exp=1&sig=ab",
        now: NOW,
      }),
    ]);
    out.push([
      `incident card (${state}, oversized)`,
      incidentCardView(
        { ...big, state },
        { detailsUrl: `https://immune.example.com/incidents/${long(2900, "a")}`, now: NOW },
      ),
    ]);
  }
  out.push([
    "status",
    statusView({
      eventsBySource: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [long(300, `src${i}`), i])),
      openByBand: { critical: 3, high: 9, medium: 27, low: 81 },
      autoRemediations24h: 4,
      backlog: 120_000,
      deadLetters: 12,
      modelTrainedAt: "2026-11-20T02:00:00Z",
      integrations: Array.from({ length: 200 }, (_, i) => ({
        name: `integration ${i}`,
        connected: i % 2 === 0,
        detail: long(500, hostile),
      })),
      now: NOW,
    }),
  ]);
  out.push([
    "identity health",
    identityHealthView({ query: long(2000, "who"), identity: identity(), incidents: many, now: NOW }),
  ]);
  out.push(["identity health (unknown)", identityHealthView({ query: hostile, incidents: [], now: NOW })]);
  out.push([
    "lifecycle",
    lifecycleView({
      query: "mallory@example.com",
      identity: identity(),
      history: Array.from({ length: 1000 }, (_, i) => ({
        at: "2026-11-19T00:00:00Z",
        change: `mover ${i}`,
        detail: long(1000, hostile),
      })),
      violations: many,
      now: NOW,
    }),
  ]);
  out.push([
    "recommendation",
    recommendationView("mallory@example.com", {
      principal: "mallory@example.com",
      unused: Array.from({ length: 2000 }, (_, i) => `roles/custom.role${i}${long(200, "r")}`),
      suggested: Array.from({ length: 500 }, (_, i) => `roles/storage.objectViewer${i}`),
      observedDays: 90,
      generatedAt: "2026-11-20T00:00:00Z",
    }),
  ]);
  out.push(["recommendation (none)", recommendationView(hostile, undefined)]);
  out.push([
    "digest",
    digestView({
      day: "2026-11-20",
      timeZone: "Europe/Paris",
      byBand: { critical: 1, high: 2, medium: 3, low: 4 },
      autoRemediated: many.map((i) => ({ id: i.id, title: i.title })),
      awaitingApproval: many.map((i, k) => ({ id: i.id, title: i.title, waitingMs: k * 60_000, risk: 90 })),
      risingIdentities: Array.from({ length: 300 }, (_, i) => ({
        id: `id${i}`,
        display: long(400, hostile),
        from: 10,
        to: 90,
      })),
      noisyDetectors: Array.from({ length: 100 }, (_, i) => ({ detector: long(300, `d${i}`), findings: i })),
    }),
  ]);
  for (const filter of ["open", "mine", "all"] as const) {
    out.push([`incident list (${filter})`, incidentListView(filter, many, NOW)]);
    out.push([`incident list (${filter}, empty)`, incidentListView(filter, [], NOW)]);
  }
  out.push(["help", helpView()]);
  out.push(["help with problem", helpView(long(5000, `Unknown command ${hostile}`))]);
  out.push([
    "notice",
    noticeView(
      long(500, "Muted "),
      Array.from({ length: 500 }, () => long(700, "line ")),
    ),
  ]);
  return out;
}

describe("Block Kit limits", () => {
  it.each(allViews())("%s renders within every limit", (_name, view) => {
    const msg = renderMessage(view);
    const parsed = MessageSchema.safeParse(msg);
    expect(parsed.success ? "ok" : parsed.error.issues.slice(0, 3)).toBe("ok");
    expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  });

  it("the incident card on a phone: short header, fields not tables, five buttons and a link", () => {
    const msg = renderMessage(
      incidentCardView(incident(), { detailsUrl: "https://immune.example.com/incidents/x", now: NOW }),
    );
    expect(msg.blocks[0]).toMatchObject({ type: "header" });
    const fieldsBlock = msg.blocks.find((b) => b.type === "section" && "fields" in b && b.fields);
    expect(fieldsBlock).toBeDefined();
    const actions = msg.blocks.find((b) => b.type === "actions") as { elements: { action_id: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      "approve",
      "dismiss",
      "snooze_1h",
      "snooze_24h",
      "assign",
      "details",
    ]);
  });

  it("never lets outside text mention the channel or make links in mrkdwn", () => {
    // plain_text (header, buttons, dialogs) is never parsed for mentions; mrkdwn is.
    const mrkdwn: string[] = [];
    JSON.stringify(renderMessage(incidentCardView(huge(), { now: NOW })).blocks, (_k, v) => {
      if (v && typeof v === "object" && v.type === "mrkdwn") mrkdwn.push(v.text);
      return v;
    });
    const text = mrkdwn.join("\n");
    expect(mrkdwn.length).toBeGreaterThan(5);
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<@U123>");
    expect(text).not.toContain("<https://evil");
    expect(text).toContain("&lt;!channel&gt;");
  });

  it("the Dismiss modal fits the modal limits, even for an oversized incident", () => {
    for (const inc of [incident(), huge()]) {
      const parsed = ModalSchema.safeParse(renderDismissModal(inc, JSON.stringify({ incidentId: inc.id })));
      expect(parsed.success ? "ok" : parsed.error.issues.slice(0, 3)).toBe("ok");
    }
  });

  it("any text in an incident's outside fields still renders a valid card (property)", () => {
    const text = fc.string({ unit: "binary", maxLength: 3000 });
    fc.assert(
      fc.property(
        text,
        text,
        text,
        text,
        fc.integer({ min: 0, max: 100 }),
        (title, who, summary, why, risk) => {
          const base = incident({}, 3);
          const inc: Incident = {
            ...base,
            title,
            risk,
            actor: { ...base.actor, display: who },
            findings: base.findings.map((f) => ({ ...f, summary })),
            factors: base.factors.map((f) => ({ ...f, why })),
            plan: { ...base.plan!, actions: base.plan!.actions.map((a) => ({ ...a, description: why })) },
          };
          const msg = renderMessage(incidentCardView(inc, { detailsUrl: "https://i.example/x", now: NOW }));
          return MessageSchema.safeParse(msg).success;
        },
      ),
      { numRuns: 100 },
    );
  });
});
