import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../bot/commands/runCommand";
import { loadConfig } from "../../bot/config";
import type { Responder } from "../../bot/incidentActions";
import { renderCard, renderTextCard } from "../../bot/teams/adaptiveCard";
import { teamsIncidentCard } from "../../bot/teams/teamsIncidentCard";
import type { Incident } from "../../detection/model";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { cardActions, cardProblems, cardTexts } from "./cardValidation";
import { publicBucketIncident } from "./incidentFixture";

const NOW = new Date("2026-11-20T15:00:00Z");
const who: Responder = { platform: "teams", id: "aad-1", display: "Ada", approver: true };
const details = "https://immune.example.com/incidents/inc-7f3a9c?exp=1&sig=abc";

function states(): Incident[] {
  const base = publicBucketIncident();
  return [
    base,
    publicBucketIncident({ state: "snoozed", snoozedUntil: "2026-11-20T16:00:00Z", assignee: "teams:aad-1" }),
    publicBucketIncident({ state: "remediated" }),
    publicBucketIncident({ state: "dismissed", dismissReason: "planned" }),
    publicBucketIncident({ state: "failed" }),
    publicBucketIncident({ plan: undefined }),
    publicBucketIncident({
      title: "[click me](https://evil.example) **bold** <at>everyone</at>",
      timeline: [
        ...base.timeline,
        { at: "2026-11-20T14:10:00Z", by: "slack:U1", what: "took it", detail: { display: "Bob" } },
      ],
    }),
  ];
}

describe("Adaptive Cards the project renders", () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore(":memory:");
    await store.set("incidents", publicBucketIncident().id, publicBucketIncident());
  });
  afterAll(async () => store.close());

  it("every incident card, in every state, for approvers and others, parses with no validation errors", () => {
    for (const incident of states()) {
      for (const approver of [true, false]) {
        const card = teamsIncidentCard(incident, {
          approver,
          refreshFor: ["29:approver-mri"],
          detailsUrl: details,
          now: NOW,
        });
        expect(card.version).toBe("1.5");
        expect(cardProblems(card), `${incident.state} approver=${approver}`).toEqual([]);
      }
    }
  });

  it("every command answer parses with no validation errors and keeps the view's wording", async () => {
    const config = loadConfig({});
    const commands = [
      "help",
      "status",
      "incidents",
      "incidents all",
      "incidents mine",
      "identity mallory@example.com",
      "lifecycle mallory@example.com",
      "recommend mallory@example.com",
      "digest",
      "mute gcp.public_bucket mallory@example.com 7d planned migration",
      "frobnicate",
    ];
    for (const text of commands) {
      const { view } = await runCommand(text, who, { store, config, now: () => NOW });
      const card = renderCard(view);
      expect(cardProblems(card), text).toEqual([]);
      const texts = cardTexts(card);
      expect(texts[0]).toBe(view.title);
      for (const s of view.sections) for (const line of s.lines.slice(0, 40)) expect(texts).toContain(line);
    }
    expect(cardProblems(renderTextCard("Breaker tripped: 5 remediations in 10 minutes"))).toEqual([]);
  });

  it("the validator does catch a broken card (so an empty list above means something)", () => {
    const broken = {
      type: "AdaptiveCard",
      version: "1.5",
      body: [{ type: "Blink", text: "x" }],
      actions: Array.from({ length: 7 }, (_, i) => ({ type: "Action.Execute", title: `a${i}`, verb: "x" })),
    };
    expect(cardProblems(broken).length).toBeGreaterThanOrEqual(2);
  });

  it("buttons carry the verb and the incident id; Approve and Undo only on the approver's card", () => {
    const open = publicBucketIncident();
    const mine = cardActions(teamsIncidentCard(open, { approver: true, detailsUrl: details, now: NOW }));
    const theirs = cardActions(teamsIncidentCard(open, { approver: false, detailsUrl: details, now: NOW }));
    const verbs = (a: typeof mine) => a.filter((x) => x.type === "Action.Execute").map((x) => x.verb);
    expect(verbs(mine)).toEqual(["approve", "dismiss", "snooze_1h", "snooze_24h", "assign"]);
    expect(verbs(theirs)).toEqual(["dismiss", "snooze_1h", "snooze_24h", "assign"]);
    for (const a of mine.filter((x) => x.type === "Action.Execute")) {
      expect(a.data).toEqual({ incidentId: open.id });
    }
    expect(mine.find((a) => a.type === "Action.OpenUrl")).toMatchObject({ title: "Details" });
    // The confirmation names exactly what will change.
    const approveCard = teamsIncidentCard(open, { approver: true, now: NOW });
    expect(cardTexts(approveCard)).toContain(
      "• Remove allUsers and allAuthenticatedUsers from gs://acme-prod-invoices",
    );

    const done = publicBucketIncident({ state: "remediated" });
    expect(verbs(cardActions(teamsIncidentCard(done, { approver: true, now: NOW })))).toEqual(["undo"]);
    expect(verbs(cardActions(teamsIncidentCard(done, { approver: false, now: NOW })))).toEqual([]);
  });

  it("outside text is never markdown: titles and names go in plain TextRuns", () => {
    const evil = states().at(-1) as Incident;
    const card = teamsIncidentCard(evil, { approver: false, now: NOW });
    const json = JSON.stringify(card);
    expect(cardTexts(card)[0]).toBe(evil.title);
    // No TextBlock (which would parse markdown) carries the title.
    expect(json).not.toMatch(/"type":"TextBlock","text":"\[click me\]/);
    const blocks = JSON.stringify(card.body).match(/"type":"TextBlock"/g) ?? [];
    expect(blocks).toEqual([]);
  });

  it("the refresh lists the approvers' Teams ids so their clients fetch the approver view", () => {
    const card = teamsIncidentCard(publicBucketIncident(), {
      approver: false,
      refreshFor: ["29:a", "29:b"],
      now: NOW,
    });
    expect(card.refresh).toEqual({
      action: {
        type: "Action.Execute",
        title: "Refresh",
        verb: "refresh",
        data: { incidentId: "inc-7f3a9c" },
      },
      userIds: ["29:a", "29:b"],
    });
  });
});
