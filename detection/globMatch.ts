/**
 * Case-insensitive glob with `*` (any run of characters) and `?` (one character), for
 * production patterns, suppressions and the never-touch list. Patterns come from configuration
 * and are few, so each is compiled once; scoring calls this on every event.
 */
const compiled = new Map<string, RegExp>();

export function globMatch(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, "i");
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(value);
}
