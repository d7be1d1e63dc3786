import { appendAudit } from "../integrations/store/audit";
import type { Store } from "../integrations/store/store";
import { mutate } from "../integrations/store/store";

/**
 * Blast-radius breaker: more than N automatic steps within an hour pauses automatic mode.
 * Its state is a document in `settings`, changed with compare-and-set, so every replica sees
 * the same count and the same tripped flag. A person resets it (resetBreaker).
 */

export const BREAKER_DOC = "remediation-breaker";
const HOUR_MS = 60 * 60 * 1000;

export interface BreakerState {
  /** Times of automatic steps within the last hour. */
  recent: string[];
  tripped: boolean;
  trippedAt?: string;
  reason?: string;
}

export type BudgetAnswer = { ok: true } | { ok: false; justTripped: boolean; reason: string };

/** Books `steps` automatic steps at `now`, or refuses (tripping the breaker if this would exceed the limit). */
export async function takeAutoBudget(
  store: Store,
  max: number,
  steps: number,
  now: Date,
): Promise<BudgetAnswer> {
  let answer: BudgetAnswer = { ok: true };
  await mutate<BreakerState>(store, "settings", BREAKER_DOC, (cur) => {
    const state: BreakerState = cur ?? { recent: [], tripped: false };
    const recent = state.recent.filter((t) => now.getTime() - Date.parse(t) < HOUR_MS);
    if (state.tripped) {
      answer = {
        ok: false,
        justTripped: false,
        reason: state.reason ?? "the blast-radius breaker is tripped",
      };
      return undefined;
    }
    if (recent.length + steps > max) {
      const reason = `blast-radius breaker tripped: ${recent.length} automatic steps in the last hour and ${steps} more would exceed the limit of ${max}`;
      answer = { ok: false, justTripped: true, reason };
      return { recent, tripped: true, trippedAt: now.toISOString(), reason };
    }
    answer = { ok: true };
    return { recent: [...recent, ...Array.from({ length: steps }, () => now.toISOString())], tripped: false };
  });
  return answer;
}

export async function breakerState(store: Store): Promise<BreakerState> {
  return (await store.get<BreakerState>("settings", BREAKER_DOC))?.data ?? { recent: [], tripped: false };
}

/** A person puts automatic mode back on; the hour's count starts again. */
export async function resetBreaker(store: Store, who: string, now = new Date()): Promise<void> {
  await mutate<BreakerState>(store, "settings", BREAKER_DOC, () => ({ recent: [], tripped: false }));
  await appendAudit(store, {
    actor: who,
    action: "remediation.breaker.reset",
    at: now.toISOString(),
    detail: {},
  });
}
