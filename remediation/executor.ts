import type { RemediationAction, RemediationActionKind } from "../detection/model";

/**
 * What every cloud executor offers per action kind. execute reads the current state first:
 * when there is nothing to change it answers noop and changes nothing; otherwise it records
 * exactly what it changes (beforeState) so undo can put that back, and nothing more.
 */
export interface StepOutcome {
  status: "done" | "noop";
  message: string;
  beforeState?: unknown;
}

export interface UndoOutcome {
  status: "undone" | "noop";
  message: string;
}

export interface ActionHandler {
  execute(action: RemediationAction): Promise<StepOutcome>;
  undo(action: RemediationAction, beforeState: unknown): Promise<UndoOutcome>;
}

export type Executors = Partial<Record<RemediationActionKind, ActionHandler>>;

/** "notify" changes nothing in the cloud: the card already says it. */
export const notifyHandler: ActionHandler = {
  async execute(action) {
    return { status: "done", message: action.description };
  },
  async undo() {
    return { status: "noop", message: "a notification has nothing to undo" };
  },
};
