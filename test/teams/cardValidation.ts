import * as AC from "adaptivecards";

/**
 * Parses a card with the `adaptivecards` library (the renderer Teams and the designer use),
 * targeting schema 1.5, and returns every problem it reports: parse events (unknown element or
 * action types, bad property values, unsupported versions) and validation failures (too many
 * actions, duplicate ids, empty collections, inputs without labels…). Runs in Node: parsing and
 * validation need no DOM; only rendering does.
 */
export function cardProblems(card: unknown): string[] {
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  return problems;
}

/** Every TextRun and TextBlock text in a card, in order (what a reader sees). */
export function cardTexts(node: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const o = n as Record<string, unknown>;
    if ((o.type === "TextRun" || o.type === "TextBlock") && typeof o.text === "string") out.push(o.text);
    for (const v of Object.values(o)) walk(v);
  };
  walk(node);
  return out;
}

/** Every action in a card (top level and inside ShowCards): type, title and verb. */
export function cardActions(node: unknown): { type: string; title: string; verb?: string; data?: unknown }[] {
  const out: { type: string; title: string; verb?: string; data?: unknown }[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const o = n as Record<string, unknown>;
    if (typeof o.type === "string" && o.type.startsWith("Action.") && o.title !== "Refresh") {
      out.push({ type: o.type, title: String(o.title), verb: o.verb as string | undefined, data: o.data });
    }
    for (const [k, v] of Object.entries(o)) if (k !== "refresh") walk(v);
  };
  walk(node);
  return out;
}
