import type { Incident } from "../detection/model";
import type { View } from "./views/view";

export interface PublishOptions {
  /**
   * An earlier attempt to publish this incident may have died half way (the inbox record is
   * being replayed after a crash): a post claimed but never recorded is recovered, not waited on.
   */
  recover?: boolean;
}

/**
 * A place incident cards go: Slack, Teams, or the terminal ("console") when neither is
 * configured. The processor and the remediation engine call publishIncident whenever an
 * incident changes; each channel posts the card once and updates that same message after.
 */
export interface ChatChannel {
  readonly name: "slack" | "teams" | "console";
  /** Post the card the first time, update it in place afterwards. Idempotent per incident. */
  publishIncident(incident: Incident, opts?: PublishOptions): Promise<void>;
  /** Post plain progress or notices (breaker tripped, digest) to the channel. */
  notify(text: string): Promise<void>;
  /** Post a whole view (digest, status) as a card, where the platform can show one. */
  publishView?(view: View): Promise<void>;
}
