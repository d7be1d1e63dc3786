import type { IncidentFilter } from "../views/incidentListView";

/** A parsed `/immune …` command (platform-neutral: Slack and Teams feed it the same text). */
export type Command =
  | { name: "status" }
  | { name: "incidents"; filter: IncidentFilter }
  | { name: "identity"; who: string }
  | { name: "lifecycle"; who: string }
  | { name: "recommend"; who: string }
  | { name: "mute"; detector: string; who: string; durationMs: number; durationText: string; reason: string }
  | { name: "digest" }
  | { name: "help" };

export type Parsed =
  | { ok: true; command: Command; share: boolean }
  | { ok: false; problem: string; share: boolean };

const MAX_MUTE_MS = 90 * 24 * 3600_000;
const UNIT_MS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  h: 3600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "30m", "4h", "7d", "2w" → milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,4})(m|min|h|d|w)$/i.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
  return ms > 0 ? ms : undefined;
}

/** Slack may send mentions and links escaped (<@U1|alice>, <mailto:a@b|a@b>): keep what people typed. */
function unwrap(token: string): string {
  const m = /^<([^|>]+)(?:\|([^>]*))?>$/.exec(token);
  if (!m) return token;
  if (m[2]) return m[2];
  return m[1].replace(/^mailto:/, "").replace(/^@/, "");
}

function needWho(name: "identity" | "lifecycle" | "recommend", args: string[]): Parsed | string {
  if (args.length !== 1) return `\`${name}\` needs exactly one identity (an email, principal or ARN).`;
  return { ok: true, command: { name, who: args[0] }, share: false };
}

export function parseCommand(raw: string): Parsed {
  let tokens = raw.trim().split(/\s+/).filter(Boolean).map(unwrap);
  const share = tokens.length > 1 && tokens[tokens.length - 1].toLowerCase() === "share";
  if (share) tokens = tokens.slice(0, -1);
  const [first, ...args] = tokens;
  const name = (first ?? "help").toLowerCase();
  const fail = (problem: string): Parsed => ({ ok: false, problem, share });
  const done = (command: Command): Parsed => ({ ok: true, command, share });
  switch (name) {
    case "help":
      return done({ name: "help" });
    case "status":
    case "digest":
      return args.length ? fail(`\`${name}\` takes no arguments (got "${args.join(" ")}").`) : done({ name });
    case "incidents": {
      const filter = (args[0] ?? "open").toLowerCase();
      if (args.length > 1 || !["open", "mine", "all"].includes(filter)) {
        return fail(`\`incidents\` takes open, mine or all (got "${args.join(" ")}").`);
      }
      return done({ name: "incidents", filter: filter as IncidentFilter });
    }
    case "identity":
    case "lifecycle":
    case "recommend": {
      const r = needWho(name, args);
      return typeof r === "string" ? fail(r) : { ...r, share };
    }
    case "mute": {
      const [detector, who, dur, ...reasonParts] = args;
      if (!detector || !who || !dur || reasonParts.length === 0) {
        return fail(
          "`mute` needs a detector, an identity, a duration and a reason, e.g. `mute gcp.public_bucket ci@proj.iam.gserviceaccount.com 7d planned migration`.",
        );
      }
      if (!/^[A-Za-z0-9_.:*-]{1,100}$/.test(detector)) return fail(`"${detector}" is not a detector id.`);
      const durationMs = parseDuration(dur);
      if (durationMs === undefined) return fail(`"${dur}" is not a duration: use e.g. 30m, 4h, 7d or 2w.`);
      if (durationMs > MAX_MUTE_MS) return fail(`A mute lasts at most 90 days (got ${dur}).`);
      return done({
        name: "mute",
        detector,
        who,
        durationMs,
        durationText: dur,
        reason: reasonParts.join(" "),
      });
    }
    default:
      return fail(`Unknown command "${first}".`);
  }
}
