import { z } from "zod";

/**
 * Helpers shared by every configuration section. Each area owns its section (its variables,
 * defaults and descriptions) and bot/config.ts merges them into the one schema the process
 * reads, so one zod schema is the source of truth for every setting and for the README table.
 */

/** An env var that is a boolean: accepts true/false/1/0/yes/no. */
export function envBool(defaultValue: boolean) {
  return z
    .enum(["true", "false", "1", "0", "yes", "no", "TRUE", "FALSE"])
    .default(defaultValue ? "true" : "false")
    .transform((v) => ["true", "1", "yes", "TRUE"].includes(v));
}

/** An optional env var where an empty string means "unset". */
export function optionalString() {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
}

/** Comma-separated list. */
export function envList() {
  return z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );
}

export function envInt(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue);
}

export function envNumber(defaultValue: number, min = -Infinity, max = Infinity) {
  return z.coerce.number().min(min).max(max).default(defaultValue);
}

/** Marks a variable as secret: never printed at start-up, in logs, cards or errors. */
export const SECRET = "[secret]";
