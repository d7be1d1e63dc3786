/** A copy of an object without its undefined values (a loop: fromEntries/entries allocate per key). */
export function withoutUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
