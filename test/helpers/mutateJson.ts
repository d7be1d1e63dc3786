import fc from "fast-check";

/**
 * Hostile-input building blocks shared by the webhook and normalizer property tests: replace
 * the value at a random path of a real event with something of the wrong type.
 */
export function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key] = entries[path[0] % entries.length];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] = mutate(
    (value as Record<string, unknown>)[key],
    path.slice(1),
    replacement,
  );
  return copy;
}

/** Wrong-typed values: nulls, numbers, huge strings, a truncated policy document, nested junk. */
export const wrongValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 30 }),
  fc.constant("A".repeat(50_000)),
  fc.constant('{"Statement":[{"Effect":"Allow","Principal":"*"'),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);
