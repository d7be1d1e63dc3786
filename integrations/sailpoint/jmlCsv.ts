import { parse } from "csv-parse/sync";
import { z } from "zod";

/**
 * The JML CSV for teams without SailPoint: `username,position,mode` rows, mode add | move |
 * remove. Parsing and validation are pure; a bad row gets its own error and never stops the
 * good ones.
 */

export const JmlModeSchema = z.enum(["add", "move", "remove"]);
export type JmlMode = z.infer<typeof JmlModeSchema>;

export interface JmlRow {
  /** 1-based line in the file, as an editor shows it. */
  line: number;
  username: string;
  position: string;
  mode: JmlMode;
  groups: string[];
}

export interface JmlRowError {
  line: number;
  username?: string;
  error: string;
}

/** IAM user names: letters, digits and +=,.@_- up to 64 characters. */
const USERNAME = /^[\w+=,.@-]{1,64}$/;

export function parseJmlCsv(
  text: string,
  positions: Map<string, string[]>,
): { rows: JmlRow[]; errors: JmlRowError[] } {
  const records = parse(text, {
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    comment: "#",
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const rows: JmlRow[] = [];
  const errors: JmlRowError[] = [];
  for (const [i, { record, info }] of records.entries()) {
    const line = info.lines;
    const [username = "", position = "", mode = ""] = record.map((c) => c.trim());
    if (i === 0 && username.toLowerCase() === "username" && mode.toLowerCase() === "mode") continue;
    if (!username) {
      errors.push({ line, error: "missing username" });
      continue;
    }
    if (!USERNAME.test(username)) {
      errors.push({ line, username, error: `"${username}" is not a valid IAM user name` });
      continue;
    }
    const m = JmlModeSchema.safeParse(mode.toLowerCase());
    if (!m.success) {
      errors.push({ line, username, error: `unknown mode "${mode}" (use add, move or remove)` });
      continue;
    }
    const groups = positions.get(position.toLowerCase());
    if (m.data !== "remove" && !groups) {
      errors.push({
        line,
        username,
        error: position ? `unknown position "${position}" (not in JML_POSITIONS)` : "missing position",
      });
      continue;
    }
    rows.push({ line, username, position, mode: m.data, groups: groups ?? [] });
  }
  return { rows, errors };
}
