import {
  CardFactory,
  type ConversationReference,
  MessageFactory,
  TeamsInfo,
  type TurnContext,
} from "botbuilder";
import type { Incident } from "../../detection/model";
import { mutate, type Store } from "../../integrations/store/store";
import type { ChatChannel, PublishOptions } from "../chatChannel";
import type { Logger } from "../logger";
import { reopenNotice } from "../views/reopenNotice";
import type { View } from "../views/view";
import { type AdaptiveCard, renderCard, renderTextCard } from "./adaptiveCard";
import type { TeamsConversation, TeamsConversations } from "./teamsConversations";
import { teamsIncidentCard } from "./teamsIncidentCard";

/** The one method of botbuilder's CloudAdapter the channel needs (proactive messages). */
export interface ProactiveAdapter {
  continueConversationAsync(
    botAppId: string,
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void>;
}

export interface TeamsRef {
  conversationId: string;
  activityId: string;
  serviceUrl?: string;
}

export interface TeamsChannelOptions {
  appId: string;
  store: Store;
  conversations: TeamsConversations;
  /** TEAMS_CHANNELS: conversation ids to post to (empty: every channel the bot is in). */
  targets: string[];
  /** TEAMS_APPROVERS: Azure AD object ids. */
  approvers: string[];
  detailsUrl?: (incident: Incident) => string | undefined;
  now?: () => Date;
  log?: Pick<Logger, "warn" | "error">;
  /** How long a replica that lost the post claim waits for the winner's message id. */
  claimWaitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cardActivity(card: AdaptiveCard) {
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
  if (card.fallbackText) activity.summary = card.fallbackText;
  return activity;
}

/**
 * Incident cards in Teams, as proactive messages to the conversations the bot was installed
 * in: each incident is posted once per conversation and updated in place afterwards
 * (continueConversationAsync + updateActivity). The message id is kept on the incident
 * (chat.teams); a claim in the store makes two replicas publishing the same new incident post
 * one message per conversation, not two.
 */
export class TeamsChannel implements ChatChannel {
  readonly name = "teams" as const;
  /** Approvers Teams could not find in a team, so a post does not ask again every time. */
  private readonly unknownApprovers = new Set<string>();

  constructor(
    readonly adapter: ProactiveAdapter,
    private readonly opts: TeamsChannelOptions,
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private async latest(incident: Incident): Promise<Incident> {
    return (await this.opts.store.get<Incident>("incidents", incident.id))?.data ?? incident;
  }

  /** The Teams ids (MRIs) of the approvers, for the card's refresh list. */
  async approverMris(context?: TurnContext): Promise<string[]> {
    const known = await this.opts.conversations.mris(this.opts.approvers);
    if (context?.activity.conversation?.conversationType === "channel") {
      for (const aad of this.opts.approvers) {
        if (known.has(aad) || this.unknownApprovers.has(aad)) continue;
        try {
          // Teams resolves a member of the team by Azure AD object id.
          const member = await TeamsInfo.getMember(context, aad);
          known.set(aad, member.id);
          await this.opts.conversations.rememberUser(aad, member.id, member.name);
        } catch {
          this.unknownApprovers.add(aad);
        }
      }
    }
    return [...known.values()];
  }

  /** The card everyone sees in the channel (approvers get theirs through refresh). */
  async card(incident: Incident, context?: TurnContext): Promise<AdaptiveCard> {
    return teamsIncidentCard(incident, {
      approver: false,
      refreshFor: await this.approverMris(context),
      detailsUrl: this.opts.detailsUrl?.(incident),
      now: this.now(),
    });
  }

  private async each(
    targets: TeamsConversation[],
    work: (t: TeamsConversation) => Promise<void>,
  ): Promise<void> {
    let failure: unknown;
    for (const t of targets) {
      try {
        await work(t);
      } catch (err) {
        failure ??= err;
        this.opts.log?.warn(
          { conversation: t.conversationId, error: (err as Error).message },
          "teams: could not post",
        );
      }
    }
    if (failure) throw failure;
  }

  async publishIncident(given: Incident, opts: PublishOptions = {}): Promise<void> {
    const targets = await this.opts.conversations.targets(this.opts.targets);
    await this.each(targets, async (t) => {
      const incident = await this.latest(given);
      const ref = incident.chat.teams?.find((r) => r.conversationId === t.conversationId);
      if (ref) {
        await this.update(incident, ref, t);
        return this.sayReopened(incident, t);
      }
      await this.postOnce(incident, t, opts.recover === true);
    });
  }

  /** A reopened incident is said in the conversation as well as on its card, once. */
  private async sayReopened(incident: Incident, t: TeamsConversation): Promise<void> {
    const notice = reopenNotice(incident);
    if (!notice) return;
    const claimId = `teams-reopen:${incident.id}:${t.conversationId}:${notice.key}`;
    if (!(await this.opts.store.create("claims", claimId, { at: this.now().toISOString() }))) return;
    try {
      await this.adapter.continueConversationAsync(this.opts.appId, t.reference, async (context) => {
        await context.sendActivity(cardActivity(renderTextCard(notice.text)));
      });
    } catch (err) {
      await this.opts.store.delete("claims", claimId);
      throw err;
    }
  }

  private async postOnce(incident: Incident, t: TeamsConversation, recover: boolean): Promise<void> {
    const claimId = `teams-post:${incident.id}:${t.conversationId}`;
    // recover: the attempt holding the claim died (its inbox record is replayed). Teams offers
    // no lookup of a bot's earlier message, so the card is posted again: a rare second card
    // rather than none.
    const claimed = await this.opts.store.create("claims", claimId, { at: this.now().toISOString() });
    if (claimed || recover) {
      try {
        let activityId: string | undefined;
        await this.adapter.continueConversationAsync(this.opts.appId, t.reference, async (context) => {
          const res = await context.sendActivity(cardActivity(await this.card(incident, context)));
          activityId = res?.id;
        });
        if (!activityId) throw new Error("Teams did not return the message id");
        const ref: TeamsRef = {
          conversationId: t.conversationId,
          activityId,
          serviceUrl: t.reference.serviceUrl,
        };
        await mutate<Incident>(this.opts.store, "incidents", incident.id, (cur) =>
          cur
            ? {
                ...cur,
                chat: {
                  ...cur.chat,
                  teams: [
                    ...(cur.chat.teams ?? []).filter((r) => r.conversationId !== ref.conversationId),
                    ref,
                  ],
                },
              }
            : undefined,
        );
      } catch (err) {
        // Let a later publish try again instead of waiting forever on a dead claim.
        await this.opts.store.delete("claims", claimId);
        throw err;
      }
      return;
    }
    // Another replica is posting this card: wait for its message id, then update ours over it.
    const deadline = Date.now() + (this.opts.claimWaitMs ?? 5000);
    while (Date.now() < deadline) {
      await sleep(100);
      const cur = await this.latest(incident);
      const ref = cur.chat.teams?.find((r) => r.conversationId === t.conversationId);
      if (ref) return this.update(cur, ref, t);
    }
    this.opts.log?.warn(
      { incident: incident.id },
      "another replica claimed the Teams post but never recorded it",
    );
  }

  /** Re-renders the card in place in one conversation. */
  async update(incident: Incident, ref: TeamsRef, conversation?: TeamsConversation): Promise<void> {
    const t = conversation ?? (await this.opts.conversations.get(ref.conversationId));
    if (!t) return;
    await this.adapter.continueConversationAsync(this.opts.appId, t.reference, async (context) => {
      const activity = cardActivity(await this.card(incident, context));
      await context.updateActivity({ ...activity, id: ref.activityId });
    });
  }

  /** After a press: the card everywhere it was posted, except where the press came from. */
  async updateEverywhere(incident: Incident, exceptConversationId?: string): Promise<void> {
    const refs = (incident.chat.teams ?? []).filter((r) => r.conversationId !== exceptConversationId);
    for (const ref of refs) {
      try {
        await this.update(incident, ref);
      } catch (err) {
        this.opts.log?.warn(
          { incident: incident.id, conversation: ref.conversationId, error: (err as Error).message },
          "teams: could not update card",
        );
      }
    }
  }

  async notify(text: string): Promise<void> {
    const targets = await this.opts.conversations.targets(this.opts.targets);
    await this.each(targets, (t) =>
      this.adapter.continueConversationAsync(this.opts.appId, t.reference, async (context) => {
        await context.sendActivity(cardActivity(renderTextCard(text)));
      }),
    );
  }

  async publishView(view: View): Promise<void> {
    const targets = await this.opts.conversations.targets(this.opts.targets);
    if (targets.length === 0) {
      throw new Error("no Teams conversation to post to yet: add the bot to the channel and message it once");
    }
    await this.each(targets, (t) =>
      this.adapter.continueConversationAsync(this.opts.appId, t.reference, async (context) => {
        await context.sendActivity(cardActivity(renderCard(view)));
      }),
    );
  }
}
