import type { z } from "zod";
import type { IamEvent } from "../model";
import { fastParser } from "./fastParse";

/**
 * Reads an event's typed details through their schema. Detectors call it for the same event one
 * after another (every detector of a source, then a few on recent events), so the last few
 * answers are kept by event identity: no per-event marking or WeakMap entry on the hot path.
 */
const SLOTS = 4;

export function detailsReader<S extends z.ZodType>(schema: S): (event: IamEvent) => z.output<S> | undefined {
  const parse = fastParser(schema);
  const events: (IamEvent | undefined)[] = new Array(SLOTS).fill(undefined);
  const details: unknown[] = new Array(SLOTS).fill(undefined);
  let next = 0;
  return (event) => {
    for (let i = 0; i < SLOTS; i++) {
      // Same event and still the same details object (a replaced one is read again).
      if (events[i] === event && details[i] !== undefined && (details[i] as Memo).of === event.details)
        return (details[i] as Memo).value as z.output<S> | undefined;
    }
    const parsed = parse(event.details);
    const value = parsed.success ? parsed.data : undefined;
    events[next] = event;
    details[next] = { of: event.details, value } satisfies Memo;
    next = (next + 1) % SLOTS;
    return value;
  };
}

interface Memo {
  of: unknown;
  value: unknown;
}
