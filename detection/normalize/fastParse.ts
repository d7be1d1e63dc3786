import type { z } from "zod";
import { util } from "zod/v4/core";

/**
 * A cheap `safeParse` for the normalizers' record schemas. zod stays the single source of truth:
 * the schema is walked once into a plain accept/reject check, which runs on every record without
 * allocating. When the check accepts, zod would accept too and its output would equal the input
 * (every supported node returns its input unchanged), so the input is returned as the data. When
 * it rejects, or meets a node it does not know, the schema's own safeParse runs, so errors and
 * any defaults are exactly zod's. A zod parse copies every object it walks; over a stream of
 * audit records that copying was most of the normalizers' cost.
 */

type Check = (v: unknown) => boolean;

/** A zod node as this module reads it (zod 4's public `_zod` internals). */
interface Node {
  _zod: {
    def: Record<string, unknown> & { type: string; checks?: Node[] };
    traits: Set<string>;
    optin?: "optional" | "defaulted";
    optout?: "optional";
    check?: (payload: { value: unknown; issues: unknown[] }) => unknown;
  };
}

const REJECT: Check = () => false;

/** Own `__proto__` keys (JSON.parse makes them) are stripped by zod: leave those records to zod. */
const hasOwnProto = (v: object) => Object.hasOwn(v, "__proto__");

function compileChecks(node: Node): Check | undefined {
  const list: Node[] = [];
  if (node._zod.traits.has("$ZodCheck")) list.push(node);
  for (const c of node._zod.def.checks ?? []) list.push(c);
  if (!list.length) return undefined;
  const fns: Check[] = list.map((c) => {
    const d = c._zod.def;
    if (d.check === "min_length" && typeof d.minimum === "number") {
      const min = d.minimum;
      return (v) => (v as { length: number }).length >= min;
    }
    const run = c._zod.check;
    if (!run) return REJECT;
    // Any other check (formats, refinements, int): zod's own check on a scratch payload.
    return (v) => {
      const payload = { value: v, issues: [] as unknown[] };
      const r = run(payload);
      return !(r instanceof Promise) && payload.issues.length === 0;
    };
  });
  return fns.length === 1 ? fns[0] : (v) => fns.every((f) => f(v));
}

function withChecks(type: Check, node: Node): Check {
  const checks = compileChecks(node);
  return checks ? (v) => type(v) && checks(v) : type;
}

function compile(node: Node, unsupported: string[]): Check {
  const def = node._zod.def;
  switch (def.type) {
    case "string":
      if (def.coerce) break;
      return withChecks((v) => typeof v === "string", node);
    case "number":
      if (def.coerce) break;
      return withChecks((v) => typeof v === "number" && Number.isFinite(v), node);
    case "boolean":
      if (def.coerce) break;
      return withChecks((v) => typeof v === "boolean", node);
    case "unknown":
    case "any":
      return withChecks(() => true, node);
    case "literal": {
      const values = new Set(def.values as unknown[]);
      return withChecks((v) => values.has(v), node);
    }
    case "enum": {
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return withChecks((v) => values.has(v), node);
    }
    case "optional": {
      const inner = compile(def.innerType as Node, unsupported);
      // A defaulted inner substitutes for undefined: leave that to zod.
      const defaulted = (def.innerType as Node)._zod.optin === "defaulted";
      return withChecks((v) => (v === undefined ? !defaulted : inner(v)), node);
    }
    case "nullable": {
      const inner = compile(def.innerType as Node, unsupported);
      return withChecks((v) => v === null || inner(v), node);
    }
    case "default": {
      // Present values are checked as the inner type; absent ones get zod's default.
      const inner = compile(def.innerType as Node, unsupported);
      return withChecks((v) => v !== undefined && inner(v), node);
    }
    case "array": {
      const el = compile(def.element as Node, unsupported);
      return withChecks((v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!el(v[i])) return false;
        return true;
      }, node);
    }
    case "union": {
      // z.xor needs exactly one option to match; a discriminated union picks its option by key.
      if (def.inclusive === false || def.discriminator !== undefined) break;
      const options = (def.options as Node[]).map((o) => compile(o, unsupported));
      return withChecks((v) => options.some((o) => o(v)), node);
    }
    case "record": {
      const key = (def.keyType as Node)._zod.def;
      if (key.type !== "string" || key.checks?.length || def.mode === "loose") break;
      const value = compile(def.valueType as Node, unsupported);
      const anyValue = (def.valueType as Node)._zod.def.type === "unknown";
      return withChecks((v) => {
        if (!util.isPlainObject(v) || hasOwnProto(v as object)) return false;
        if (anyValue) return true;
        const o = v as Record<string, unknown>;
        for (const k in o) if (Object.hasOwn(o, k) && !value(o[k])) return false;
        return true;
      }, node);
    }
    case "object":
      return withChecks(compileObject(node, unsupported), node);
  }
  unsupported.push(def.type);
  return REJECT;
}

function compileObject(node: Node, unsupported: string[]): Check {
  const def = node._zod.def;
  const shape = def.shape as Record<string, Node>;
  const catchall = def.catchall as Node | undefined;
  const catchallType = catchall?._zod.def.type;
  // Loose objects keep unknown keys as they are; strict/strip ones must have none (strip would drop them).
  if (catchall && catchallType !== "unknown" && catchallType !== "any" && catchallType !== "never") {
    unsupported.push(`object catchall ${catchallType}`);
    return REJECT;
  }
  const loose = catchallType === "unknown" || catchallType === "any";
  const keys = Object.keys(shape);
  const declared = new Set(keys);
  const fields = keys.map((k) => {
    const child = shape[k];
    return {
      key: k,
      check: compile(child, unsupported),
      optin: child._zod.optin,
      optionalOut: child._zod.optout === "optional",
    };
  });
  return (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v) || hasOwnProto(v)) return false;
    const o = v as Record<string, unknown>;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const value = o[f.key];
      if (value === undefined && !(f.key in o)) {
        // Absent: fine for optional keys; required or defaulted ones are zod's to report or fill.
        if (f.optin === "optional" && f.optionalOut) continue;
        return false;
      }
      if (f.optin === "defaulted" && value === undefined) return false;
      if (!f.check(value)) return false;
    }
    if (!loose) for (const k in o) if (!declared.has(k)) return false;
    return true;
  };
}

export interface FastParser<T> {
  (value: unknown): z.ZodSafeParseResult<T>;
  /** Node types the check could not compile (then every record goes through zod). */
  readonly unsupported: readonly string[];
}

/** `schema.safeParse`, with a compiled check in front for the records that are valid. */
export function fastParser<S extends z.ZodType>(schema: S): FastParser<z.output<S>> {
  const unsupported: string[] = [];
  const check = compile(schema as unknown as Node, unsupported);
  const parse = ((value: unknown) =>
    check(value) ? { success: true, data: value as z.output<S> } : schema.safeParse(value)) as FastParser<
    z.output<S>
  >;
  Object.defineProperty(parse, "unsupported", { value: unsupported });
  return parse;
}
