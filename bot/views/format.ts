/** Small wording helpers shared by the view models (pure, no platform markup). */

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h": short enough for a phone line. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function ago(iso: string | undefined, now: Date): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "unknown";
  const ms = now.getTime() - t;
  return ms >= 0 ? `${duration(ms)} ago` : `in ${duration(-ms)}`;
}

/** "2024-05-01 10:22 UTC": the fallback where a platform cannot localize a time. */
export function utcMinute(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A chat principal as people read it: the display name recorded with the entry, else the id. */
export function personLabel(by: string, display?: unknown): string {
  if (typeof display === "string" && display.trim()) return display.trim();
  if (by === "auto") return "the bot (automatic)";
  if (by === "system") return "the bot";
  return by.replace(/^(slack|teams):/, "");
}

export function sourceLabel(source: string): string {
  return (
    ({ gcp: "Google Cloud", aws: "AWS", sailpoint: "SailPoint", csv: "HR CSV" } as Record<string, string>)[
      source
    ] ?? source
  );
}

export function categoryLabel(category: string): string {
  return category.replace(/_/g, " ");
}
