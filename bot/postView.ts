import type { ChatChannel } from "./chatChannel";
import { renderPlainText } from "./console/renderText";
import type { View } from "./views/view";

/**
 * Posts a view (digest, weekly report) to every channel: as a card where the channel renders
 * views, else as plain text. A channel that fails is reported and skipped. Returns how many
 * channels took it, so a caller holding a once-per-period lease can give it back when none did.
 */
export async function postView(
  channels: ChatChannel[],
  view: View,
  onError: (channel: ChatChannel, err: unknown) => void,
): Promise<number> {
  let delivered = 0;
  for (const ch of channels) {
    try {
      if (ch.publishView) await ch.publishView(view);
      else await ch.notify(renderPlainText(view));
      delivered++;
    } catch (err) {
      onError(ch, err);
    }
  }
  return delivered;
}
