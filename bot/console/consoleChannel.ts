import type { Incident } from "../../detection/model";
import type { ChatChannel } from "../chatChannel";
import { incidentCardView } from "../views/incidentCard";
import type { View } from "../views/view";
import { renderPlainText } from "./renderText";

/**
 * Prints cards to the terminal: the chat channel used when neither Slack nor Teams is
 * configured, so a newcomer running the demo still sees what the bot would post.
 */
export class ConsoleChannel implements ChatChannel {
  readonly name = "console" as const;

  constructor(
    private readonly write: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
    private readonly detailsUrl?: (incident: Incident) => string,
  ) {}

  async publishIncident(incident: Incident): Promise<void> {
    this.write(renderPlainText(incidentCardView(incident, { detailsUrl: this.detailsUrl?.(incident) })));
  }

  async publishView(view: View): Promise<void> {
    this.write(renderPlainText(view));
  }

  async notify(text: string): Promise<void> {
    this.write(`[immune] ${text}`);
  }
}
