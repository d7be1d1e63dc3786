import type { z } from "zod";
import { util } from "zod/v4/core";
import { isCanonicalUtc } from "./isoTime";

/**
 * A cheap `safeParse` for the schemas the detection hot path reads records and details through.
 * zod stays the single source of truth: the schema is walked once and compiled into a plain
 * accept/reject check (JavaScript source, like zod's own object fast path, so every field read
 * is a fixed property load), which runs on every value without allocating. When the check
 * accepts, zod would accept too and its output would equal the input (every supported node
 * returns its input unchanged), so the input itself is the data. When it rejects, or the schema
 * holds a node it does not compile, the schema's own safeParse runs: errors, defaults and
 * edge cases stay exactly zod's. A zod parse copies every object it walks; over a stream of
 * audit records that copying was most of the normalizers' cost.
 */

/** A zod node as this module reads it (zod 4's `_zod` internals, as its own JIT reads them). */
interface Node {
  _zod: {
    def: Record<string, unknown> & { type: string; checks?: Node[] };
    traits: Set<string>;
    optin?: "optional" | "defaulted";
    optout?: "optional";
    check?: (payload: { value: unknown; issues: unknown[] }) => unknown;
  };
}

class Compiler {
  /** Values the generated code closes over, read as k[i]. */
  readonly captured: unknown[] = [];
  readonly functions: string[] = [];
  readonly unsupported: string[] = [];

  capture(value: unknown): string {
    this.captured.push(value);
    return `k[${this.captured.length - 1}]`;
  }

  /** Declares a helper function `fN(v)` with the given body and returns its name. */
  define(body: string): string {
    const name = `f${this.functions.length}`;
    this.functions.push(`function ${name}(v) {\n${body}\n}`);
    return name;
  }

  /** A JavaScript boolean expression: whether `v` (a plain identifier) is accepted by `node`. */
  expr(node: Node, v: string): string {
    const def = node._zod.def;
    let type: string | undefined;
    switch (def.type) {
      case "string":
        if (!def.coerce) type = `typeof ${v} === "string"`;
        break;
      case "number":
        if (!def.coerce) type = `typeof ${v} === "number" && Number.isFinite(${v})`;
        break;
      case "boolean":
        if (!def.coerce) type = `typeof ${v} === "boolean"`;
        break;
      case "unknown":
      case "any":
        type = "true";
        break;
      case "literal":
      case "enum": {
        const values =
          def.type === "literal"
            ? (def.values as unknown[])
            : util.getEnumValues(def.entries as util.EnumLike);
        // A few strings compare directly (no hashing of a fresh string); otherwise a Set lookup.
        type =
          values.length <= 4 && values.every((x) => typeof x === "string")
            ? values.map((x) => `${v} === ${JSON.stringify(x)}`).join(" || ")
            : `${this.capture(new Set(values))}.has(${v})`;
        break;
      }
      case "optional": {
        // A defaulted inner substitutes for undefined: leave that to zod.
        const inner = def.innerType as Node;
        type =
          inner._zod.optin === "defaulted"
            ? `${v} !== undefined && ${this.call(inner, v)}`
            : `${v} === undefined || ${this.call(inner, v)}`;
        break;
      }
      case "nullable":
        type = `${v} === null || ${this.call(def.innerType as Node, v)}`;
        break;
      case "default":
        // Present values are checked as the inner type; absent ones get zod's default.
        type = `${v} !== undefined && ${this.call(def.innerType as Node, v)}`;
        break;
      case "array": {
        const el = this.call(def.element as Node, "e");
        const f = this.define(
          `if (!Array.isArray(v)) return false;\nfor (let i = 0; i < v.length; i++) { const e = v[i]; if (!(${el})) return false; }\nreturn true;`,
        );
        type = `${f}(${v})`;
        break;
      }
      case "union":
        // z.xor needs exactly one option to match; a discriminated union picks its option by key.
        if (def.inclusive !== false && def.discriminator === undefined)
          type = (def.options as Node[]).map((o) => `(${this.expr(o, v)})`).join(" || ");
        break;
      case "record":
        type = this.record(node, v);
        break;
      case "object":
        type = this.object(node, v);
        break;
    }
    if (type === undefined) {
      this.unsupported.push(def.type);
      return "false";
    }
    const checks = this.checks(node, v);
    return checks ? `(${type}) && ${checks}` : type;
  }

  /** `expr` wrapped in parentheses, for use inside a larger expression. */
  call(node: Node, v: string): string {
    return `(${this.expr(node, v)})`;
  }

  /** The node's refinements and format checks; zod's own check code runs for all but min_length. */
  checks(node: Node, v: string): string | undefined {
    const list: Node[] = [];
    if (node._zod.traits.has("$ZodCheck")) list.push(node);
    for (const c of node._zod.def.checks ?? []) list.push(c);
    if (!list.length) return undefined;
    return list
      .map((c) => {
        const d = c._zod.def;
        if (d.check === "min_length" && typeof d.minimum === "number") return `${v}.length >= ${d.minimum}`;
        // A refine's own predicate and a format's own regex, called without zod's payload object.
        if (d.check === "custom" && d.type === "custom" && typeof d.fn === "function")
          return `${this.capture(refinePasses(d.fn as (v: unknown) => unknown))}(${v})`;
        if (
          d.check === "string_format" &&
          PATTERN_FORMATS.has(String(d.format)) &&
          d.pattern instanceof RegExp
        ) {
          const re = this.capture(d.pattern);
          const test = `(${re}.lastIndex = 0, ${re}.test(${v}))`;
          // Every datetime format without a fixed precision takes a canonical UTC time (what
          // CloudTrail writes); the normalizer's isoTime then finds the same string already read.
          if (d.format === "datetime" && typeof d.precision !== "number")
            return `(${this.capture(isCanonicalUtc)}(${v}) || ${test})`;
          return test;
        }
        if (!c._zod.check) {
          this.unsupported.push(`check ${String(d.check)}`);
          return "false";
        }
        return `${this.capture(runCheck(c._zod.check))}(${v})`;
      })
      .join(" && ");
  }

  record(node: Node, v: string): string | undefined {
    const def = node._zod.def;
    const key = (def.keyType as Node)._zod.def;
    if (key.type !== "string" || key.checks?.length || def.mode === "loose") return undefined;
    const isPlain = this.capture(util.isPlainObject);
    const value = def.valueType as Node;
    const anyValue = value._zod.def.type === "unknown" || value._zod.def.type === "any";
    const loop = anyValue
      ? ""
      : `for (const key in v) { if (!Object.hasOwn(v, key)) continue; const e = v[key]; if (!(${this.expr(value, "e")})) return false; }\n`;
    const f = this.define(`if (!${isPlain}(v) || !(${NO_OWN_PROTO})) return false;\n${loop}return true;`);
    return `${f}(${v})`;
  }

  object(node: Node, v: string): string | undefined {
    const def = node._zod.def;
    const shape = def.shape as Record<string, Node>;
    const catchall = (def.catchall as Node | undefined)?._zod.def.type;
    // Loose objects keep unknown keys as they are; strict and strip ones must have none.
    if (catchall !== undefined && catchall !== "unknown" && catchall !== "any" && catchall !== "never")
      return undefined;
    const loose = catchall === "unknown" || catchall === "any";
    // Own __proto__ keys (JSON.parse makes them) are stripped by zod: leave those to zod.
    const lines = [
      `if (typeof v !== "object" || v === null || Array.isArray(v) || !(${NO_OWN_PROTO})) return false;`,
      "let x;",
    ];
    for (const [key, child] of Object.entries(shape)) {
      const k = JSON.stringify(key);
      // An optional key takes undefined, so absent and undefined read alike: one load, no `in`
      // (most declared keys of an audit record are absent, and each lookup misses).
      const childDef = child._zod.def;
      if (
        !childDef.checks?.length &&
        childDef.type === "optional" &&
        (childDef.innerType as Node)._zod.optin !== "defaulted"
      ) {
        lines.push(`x = v[${k}];`, `if (x !== undefined && !(${this.expr(child, "x")})) return false;`);
        continue;
      }
      const optin = child._zod.optin;
      // Absent keys are fine when optional; required or defaulted ones are zod's to report or fill.
      const absent = optin === "optional" && child._zod.optout === "optional" ? "" : "return false;";
      const present =
        optin === "defaulted"
          ? `if (x === undefined || !(${this.expr(child, "x")})) return false;`
          : `if (!(${this.expr(child, "x")})) return false;`;
      lines.push(`x = v[${k}];`, `if (x === undefined && !(${k} in v)) { ${absent} } else { ${present} }`);
    }
    if (!loose) {
      const declared = this.capture(new Set(Object.keys(shape)));
      lines.push(`for (const key in v) if (!${declared}.has(key)) return false;`);
    }
    lines.push("return true;");
    return `${this.define(lines.join("\n"))}(${v})`;
  }
}

/**
 * Whether object `v` has no own "__proto__" key. An own one (JSON.parse makes them) shadows the
 * prototype's accessor, so reading v.__proto__ finds Object.prototype only when there is none
 * (no JSON value is Object.prototype itself): one inlined load, where Object.hasOwn is a call
 * per object checked. Objects with another prototype, or none, ask Object.hasOwn as before.
 */
const NO_OWN_PROTO = `v.__proto__ === OP || !Object.hasOwn(v, "__proto__")`;

/** String formats whose zod check is exactly a test of their pattern (others check more). */
const PATTERN_FORMATS = new Set(["datetime", "date", "time", "regex"]);

/** A refine passes when its predicate returns a truthy value synchronously, as zod's custom check has it. */
function refinePasses(fn: (v: unknown) => unknown): (v: unknown) => boolean {
  return (v) => {
    const r = fn(v);
    return Boolean(r) && !(r instanceof Promise);
  };
}

/** zod's own check code on a scratch payload: accepted when it reports no issue synchronously. */
function runCheck(check: NonNullable<Node["_zod"]["check"]>): (v: unknown) => boolean {
  return (v) => {
    const payload = { value: v, issues: [] as unknown[] };
    const r = check(payload);
    return !(r instanceof Promise) && payload.issues.length === 0;
  };
}

export interface FastParser<T> {
  (value: unknown): z.ZodSafeParseResult<T>;
  /** Node types the check could not compile (then every value goes through zod). */
  readonly unsupported: readonly string[];
}

/** `schema.safeParse`, with a compiled check in front for the values that are valid. */
export function fastParser<S extends z.ZodType>(schema: S): FastParser<z.output<S>> {
  const c = new Compiler();
  const root = c.expr(schema as unknown as Node, "v");
  let check: ((v: unknown) => boolean) | undefined;
  if (!c.unsupported.length && util.allowsEval.value) {
    const source = `const OP = Object.prototype;\n${c.functions.join("\n")}\nreturn function check(v) { return ${root}; };`;
    check = new Function("k", source)(c.captured) as (v: unknown) => boolean;
  }
  const parse = (
    check
      ? (value: unknown) => (check(value) ? { success: true, data: value } : schema.safeParse(value))
      : (value: unknown) => schema.safeParse(value)
  ) as FastParser<z.output<S>>;
  Object.defineProperty(parse, "unsupported", { value: c.unsupported });
  return parse;
}
