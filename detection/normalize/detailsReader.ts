import type { z } from "zod";
import type { IamEvent } from "../model";
import { fastParser } from "./fastParse";

/**
 * Reads an event's typed details through their schema. Detectors call it for the same event one
 * after another (every detector of a source, then a few on recent events), so the last few
 * answers are kept by event identity: no per-event marking or WeakMap entry on the hot path.
 */
const SLOTS = 4;

export interface DetailsReader<T> {
  (event: IamEvent): T | undefined;
  /**
   * Takes details a normalizer just built from checked input as read: the next reads of this
   * event return them without checking them again (test/hostile/normalizerFuzz.test.ts holds
   * the normalizers' details to their schemas).
   */
  known(event: IamEvent, details: T): void;
}

export function detailsReader<S extends z.ZodType>(schema: S): DetailsReader<z.output<S>> {
  const parse = fastParser(schema);
  const events: (IamEvent | undefined)[] = new Array(SLOTS).fill(undefined);
  /** The details object each slot's answer was read from (a replaced one is read again). */
  const of: unknown[] = new Array(SLOTS).fill(undefined);
  const values: (z.output<S> | undefined)[] = new Array(SLOTS).fill(undefined);
  let next = 0;
  const remember = (event: IamEvent, value: z.output<S> | undefined) => {
    events[next] = event;
    of[next] = event.details;
    values[next] = value;
    next = (next + 1) % SLOTS;
  };
  const read = (event: IamEvent) => {
    for (let i = 0; i < SLOTS; i++) {
      if (events[i] === event && of[i] === event.details) return values[i];
    }
    const parsed = parse(event.details);
    const value = parsed.success ? parsed.data : undefined;
    remember(event, value);
    return value;
  };
  return Object.assign(read, { known: remember });
}
