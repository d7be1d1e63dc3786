import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
} from "botbuilder";
import type { Incident } from "../../detection/model";
import { appendAudit } from "../../integrations/store/audit";
import type { Store } from "../../integrations/store/store";
import { responderKey } from "../basicIncidentActions";
import type { StatusProvider } from "../botDeps";
import { auditPress, proposeChange } from "../buttonPress";
import { runCommand } from "../commands/runCommand";
import type { ActionOutcome, IncidentActions, Responder } from "../incidentActions";
import type { Logger } from "../logger";
import type { SlackConfig } from "../slack/slackConfig";
import { helpView } from "../views/helpView";
import { timelineText } from "../views/incidentCard";
import { type ActionId, APPROVER_ACTIONS, CALLBACK_ACTIONS } from "../views/view";
import {
  type ActionData,
  type AdaptiveCard,
  INPUT,
  REFRESH_VERB,
  renderCard,
  renderTextCard,
} from "./adaptiveCard";
import type { TeamsChannel } from "./teamsChannel";
import { baseConversationId, type TeamsConversations } from "./teamsConversations";
import { teamsIncidentCard } from "./teamsIncidentCard";

export interface TeamsBotDeps {
  store: Store;
  /** Read at every press: a feature installed later (remediation) may replace the actions. */
  actions(): IncidentActions;
  /** DIGEST_TIMEZONE and friends, which the commands read. */
  config: SlackConfig;
  status?: StatusProvider;
  conversations: TeamsConversations;
  /** TEAMS_APPROVERS: Azure AD object ids allowed to approve and undo. */
  approvers: string[];
  /** Updates the card in the other conversations it was posted to (absent in unit tests). */
  channel?: TeamsChannel;
  detailsUrl?: (incident: Incident) => string | undefined;
  log?: Pick<Logger, "info" | "warn" | "error">;
  now?: () => Date;
}

const ACTION_IDS = CALLBACK_ACTIONS;
const NEEDS_APPROVER = APPROVER_ACTIONS;
const CARD_TYPE = "application/vnd.microsoft.card.adaptive";
const MESSAGE_TYPE = "application/vnd.microsoft.activity.message";

function cardResponse(card: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: CARD_TYPE, value: card as unknown as Record<string, unknown> };
}

/** A toast for the presser only; the card stays as it is. */
function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: MESSAGE_TYPE, value: text as unknown as Record<string, unknown> };
}

/** "@IAM Immune status", "immune status", "/immune status" and "status" all mean `status`. */
export function commandText(context: TurnContext): string {
  const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? "";
  return text
    .replace(/<at>[^<]*<\/at>/g, " ")
    .replace(/&nbsp;/g, " ")
    .trim()
    .replace(/^\/?immune\b/i, "")
    .trim();
}

/**
 * The Teams face: commands typed to the bot are answered by the same handlers as Slack's
 * /immune (same wording, rendered as Adaptive Cards); card buttons (Universal Actions,
 * adaptiveCard/action invokes) call the same IncidentActions as Slack's, with the same guards,
 * and answer with the updated card. Every press is audited, refusals too.
 */
export class TeamsBot extends TeamsActivityHandler {
  constructor(private readonly deps: TeamsBotDeps) {
    super();

    // Every activity tells us where the bot is and who Teams users are (for proactive posts
    // and for the approvers' refresh list).
    this.onTurn(async (context, next) => {
      await this.remember(context);
      await next();
    });

    this.onMessage(async (context, next) => {
      const who = this.responder(context);
      try {
        const result = await runCommand(commandText(context), who, {
          ...this.deps,
          actions: this.deps.actions(),
        });
        await context.sendActivity(this.cardMessage(renderCard(result.view)));
      } catch (err) {
        this.deps.log?.error({ err }, "teams command failed");
        await context.sendActivity("Sorry, that command failed. The error is in the bot's log.");
      }
      await next();
    });

    this.onInstallationUpdateAdd(async (context, next) => {
      await context.sendActivity(this.cardMessage(renderCard(helpView())));
      await next();
    });

    this.onInstallationUpdateRemove(async (context, next) => {
      const id = context.activity.conversation?.id;
      if (id) await this.deps.conversations.forget(baseConversationId(id));
      await next();
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async remember(context: TurnContext): Promise<void> {
    const a = context.activity;
    if (a.type === "installationUpdate" && (a.action === "remove" || a.action === "remove-upgrade")) return;
    try {
      const teamId = (a.channelData as { team?: { id?: string } } | undefined)?.team?.id;
      await this.deps.conversations.remember(TurnContext.getConversationReference(a), teamId);
      await this.deps.conversations.rememberUser(a.from?.aadObjectId, a.from?.id, a.from?.name);
    } catch (err) {
      this.deps.log?.warn({ err }, "teams: could not store the conversation reference");
    }
  }

  private responder(context: TurnContext): Responder {
    const from = context.activity.from ?? { id: "unknown", name: "" };
    const id = from.aadObjectId ?? from.id;
    return {
      platform: "teams",
      id,
      display: from.name || undefined,
      approver: Boolean(from.aadObjectId) && this.deps.approvers.includes(from.aadObjectId as string),
    };
  }

  private cardMessage(card: AdaptiveCard) {
    const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
    if (card.fallbackText) activity.summary = card.fallbackText;
    return activity;
  }

  private async incident(id: string): Promise<Incident | undefined> {
    return (await this.deps.store.get<Incident>("incidents", id))?.data;
  }

  private async cardFor(incident: Incident, who: Responder, context: TurnContext): Promise<AdaptiveCard> {
    return teamsIncidentCard(incident, {
      approver: who.approver,
      refreshFor: this.deps.channel ? await this.deps.channel.approverMris(context) : undefined,
      detailsUrl: this.deps.detailsUrl?.(incident),
      now: this.now(),
    });
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const verb = value.action.verb;
    const data = (value.action.data ?? {}) as Partial<ActionData>;
    const incidentId = typeof data.incidentId === "string" ? data.incidentId : "";
    const who = this.responder(context);
    const by = responderKey(who);
    try {
      if (verb === REFRESH_VERB) {
        // A listed user's client asks for their own view: approvers get Approve/Undo.
        const incident = await this.incident(incidentId);
        if (!incident) return messageResponse("That incident is no longer in the store.");
        return cardResponse(await this.cardFor(incident, who, context));
      }
      if (!ACTION_IDS.includes(verb as ActionId)) return messageResponse(`Unknown action "${verb}".`);
      const id = verb as ActionId;
      await auditPress(this.deps.store, by, id, incidentId, who, {
        conversation: context.activity.conversation?.id,
        message: context.activity.replyToId,
      });
      if (id === "propose_change") {
        const outcome = await proposeChange(this.deps.actions(), incidentId, who);
        return messageResponse(outcome.message);
      }
      if (NEEDS_APPROVER.includes(id) && !who.approver) {
        await appendAudit(this.deps.store, {
          actor: by,
          action: `refused:${id}`,
          incidentId,
          detail: { reason: "not an approver" },
        });
        return messageResponse(
          this.deps.approvers.length
            ? `Only configured approvers can ${id === "approve" ? "approve" : "undo"} a remediation. Ask one of them.`
            : "No approvers are configured (TEAMS_APPROVERS), so nobody can approve or undo from Teams.",
        );
      }
      const outcome = await this.runAction(id, incidentId, who, data);
      if (!outcome.ok) return messageResponse(outcome.message);
      const incident = (await this.incident(incidentId)) ?? outcome.incident;
      if (!incident) return messageResponse(outcome.message);
      await this.reflect(context, incident);
      return cardResponse(await this.cardFor(incident, who, context));
    } catch (err) {
      this.deps.log?.error({ err, action: verb, incidentId }, "teams action failed");
      return messageResponse("Sorry, that did not work. The error is in the bot's log.");
    }
  }

  private runAction(
    id: ActionId,
    incidentId: string,
    who: Responder,
    data: Partial<ActionData>,
  ): Promise<ActionOutcome> {
    const actions = this.deps.actions();
    switch (id) {
      case "approve":
        return actions.approve(incidentId, who);
      case "undo":
        return actions.undo(incidentId, who);
      case "assign":
        return actions.assign(incidentId, who);
      case "snooze_1h":
      case "snooze_24h":
        return actions.snooze(incidentId, who, id === "snooze_1h" ? 1 : 24);
      case "dismiss": {
        const reason = typeof data[INPUT.reason] === "string" ? (data[INPUT.reason] as string) : "";
        return actions.dismiss(incidentId, who, reason, data[INPUT.suppress] === "true");
      }
      default:
        return Promise.resolve({ ok: false, message: `Unknown action "${id}".` });
    }
  }

  /**
   * After a change: the card in this conversation is updated for everyone (the invoke answer
   * only reaches the presser), the timeline line goes in the card's thread, and the card is
   * updated wherever else it was posted.
   */
  private async reflect(context: TurnContext, incident: Incident): Promise<void> {
    const messageId = context.activity.replyToId;
    if (messageId) {
      const card = this.deps.channel
        ? await this.deps.channel.card(incident, context)
        : teamsIncidentCard(incident, {
            approver: false,
            detailsUrl: this.deps.detailsUrl?.(incident),
            now: this.now(),
          });
      await context.updateActivity({ ...this.cardMessage(card), id: messageId });
    }
    const last = incident.timeline.at(-1);
    if (last) await context.sendActivity(this.cardMessage(renderTextCard(timelineText(last, this.now()))));
    await this.deps.channel?.updateEverywhere(
      incident,
      baseConversationId(context.activity.conversation?.id),
    );
  }
}
