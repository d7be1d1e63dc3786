import type { App, BlockAction, ButtonAction, ViewSubmitAction } from "@slack/bolt";
import type { Incident } from "../../detection/model";
import { appendAudit } from "../../integrations/store/audit";
import type { BotDeps } from "../botDeps";
import { auditPress, proposeChange } from "../buttonPress";
import { runCommand } from "../commands/runCommand";
import type { ActionOutcome, Responder } from "../incidentActions";
import { timelineText } from "../views/incidentCard";
import { type ActionId, APPROVER_ACTIONS, CALLBACK_ACTIONS } from "../views/view";
import type { ApproverDirectory } from "./approvers";
import {
  DISMISS_CALLBACK,
  DISMISS_REASON,
  DISMISS_SUPPRESS,
  renderDismissModal,
  renderMessage,
  renderText,
} from "./blockKit";
import { responseUrlAllowed } from "./responseUrl";
import type { SlackChannel, SlackRef } from "./slackChannel";

// Details is pressed too (the press is audited) though it only opens its link.
const ACTION_IDS: ActionId[] = [...CALLBACK_ACTIONS, "details"];
const NEEDS_APPROVER = APPROVER_ACTIONS;

interface Ctx {
  deps: BotDeps;
  channel: SlackChannel;
  approvers: ApproverDirectory;
  /** Post "working on it" in the thread when an action takes longer than this. */
  progressAfterMs: number;
}

async function responder(
  ctx: Ctx,
  user: { id: string; name?: string; username?: string },
): Promise<Responder> {
  return {
    platform: "slack",
    id: user.id,
    display: user.name ?? user.username,
    approver: await ctx.approvers.isApprover(user.id),
  };
}

async function loadIncident(ctx: Ctx, id: string): Promise<Incident | undefined> {
  return (await ctx.deps.store.get<Incident>("incidents", id))?.data;
}

/** Runs the action; if it is slow, says so in the thread meanwhile (the press was acked already). */
async function withProgress(
  ctx: Ctx,
  ref: SlackRef | undefined,
  who: Responder,
  work: Promise<ActionOutcome>,
) {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ctx.progressAfterMs);
  }).then(async () => {
    if (ref) await ctx.channel.thread(ref, `${who.display ?? who.id}: working on it…`);
  });
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    void slow.catch(() => {});
  }
}

/** After a change: update the card in place and add the newest timeline entry to its thread. */
async function reflect(ctx: Ctx, outcome: ActionOutcome, fallbackRef: SlackRef | undefined): Promise<void> {
  const incident = outcome.incident ? await loadIncident(ctx, outcome.incident.id) : undefined;
  if (!incident) return;
  const ref = incident.chat.slack ?? fallbackRef;
  if (!ref) return;
  await ctx.channel.update(incident, ref);
  const last = incident.timeline.at(-1);
  await ctx.channel.thread(ref, last ? timelineText(last, ctx.deps.now?.() ?? new Date()) : outcome.message);
}

async function tellUser(ctx: Ctx, channel: string | undefined, user: string, text: string): Promise<void> {
  if (!channel) return;
  await ctx.channel.client.chat.postEphemeral({ channel, user, text: renderText(text) });
}

/** Registers the /immune command, the card buttons and the Dismiss modal on a Bolt app. */
export function registerSlackHandlers(app: App, ctx: Ctx): void {
  const { deps } = ctx;
  const log = deps.log;

  app.command("/immune", async ({ command, ack, respond }) => {
    await ack();
    if (!responseUrlAllowed(command.response_url, deps.config.SLACK_API_URL)) {
      log?.warn({ user: command.user_id }, "slash command with a response_url outside Slack: not answered");
      return;
    }
    try {
      const who = await responder(ctx, { id: command.user_id, name: command.user_name });
      const result = await runCommand(command.text ?? "", who, deps);
      await respond({
        response_type: result.share ? "in_channel" : "ephemeral",
        ...renderMessage(result.view),
      });
    } catch (err) {
      log?.error({ err }, "slack command failed");
      await respond({
        response_type: "ephemeral",
        text: "Sorry, that command failed. The error is in the bot's log.",
      });
    }
  });

  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^(${ACTION_IDS.join("|")})$`),
    async ({ ack, body, action }) => {
      await ack();
      const id = action.action_id as ActionId;
      const incidentId = action.value ?? "";
      const channelId = body.container?.channel_id ?? body.channel?.id;
      const messageTs = body.container?.message_ts ?? body.message?.ts;
      const fallbackRef = channelId && messageTs ? { channel: channelId, ts: messageTs } : undefined;
      try {
        const who = await responder(ctx, body.user);
        const by = `slack:${who.id}`;
        await auditPress(deps.store, by, id, incidentId, who, { channel: channelId, ts: messageTs });
        if (id === "details") return;
        if (id === "propose_change") {
          const outcome = await proposeChange(deps.actions, incidentId, who);
          return tellUser(ctx, channelId, who.id, outcome.message);
        }
        if (NEEDS_APPROVER.includes(id) && !who.approver) {
          await appendAudit(deps.store, {
            actor: by,
            action: `refused:${id}`,
            incidentId,
            detail: { reason: "not an approver" },
          });
          await tellUser(
            ctx,
            channelId,
            who.id,
            ctx.approvers.configured
              ? `Only configured approvers can ${id === "approve" ? "approve" : "undo"} a remediation. Ask one of them.`
              : "No approvers are configured (SLACK_APPROVERS), so nobody can approve or undo from Slack.",
          );
          return;
        }
        if (id === "dismiss") {
          const incident = await loadIncident(ctx, incidentId);
          if (!incident) return tellUser(ctx, channelId, who.id, "That incident is no longer in the store.");
          const meta = JSON.stringify({ incidentId, channel: channelId, ts: messageTs });
          await ctx.channel.client.views.open({
            trigger_id: body.trigger_id,
            view: renderDismissModal(incident, meta) as never,
          });
          return;
        }
        const ref = (await loadIncident(ctx, incidentId))?.chat.slack ?? fallbackRef;
        const work =
          id === "approve"
            ? deps.actions.approve(incidentId, who)
            : id === "undo"
              ? deps.actions.undo(incidentId, who)
              : id === "assign"
                ? deps.actions.assign(incidentId, who)
                : deps.actions.snooze(incidentId, who, id === "snooze_1h" ? 1 : 24);
        const outcome = await withProgress(ctx, ref, who, work);
        if (!outcome.ok) return tellUser(ctx, channelId, who.id, outcome.message);
        await reflect(ctx, outcome, fallbackRef);
      } catch (err) {
        log?.error({ err, action: id, incidentId }, "slack action failed");
        await tellUser(
          ctx,
          channelId,
          body.user.id,
          "Sorry, that did not work. The error is in the bot's log.",
        ).catch(() => {});
      }
    },
  );

  // The only events the manifest subscribes to: the install going away means cards will fail.
  app.event("app_uninstalled", async () => {
    log?.error(
      {},
      "Slack app was uninstalled from the workspace: cards and commands stop until it is reinstalled",
    );
  });
  app.event("tokens_revoked", async ({ event }) => {
    log?.error(
      { bot: event.tokens?.bot?.length ?? 0, user: event.tokens?.oauth?.length ?? 0 },
      "Slack tokens were revoked: cards stop until SLACK_BOT_TOKEN is replaced",
    );
  });

  app.view<ViewSubmitAction>(DISMISS_CALLBACK, async ({ ack, body, view }) => {
    const values = view.state.values;
    const reason = values[DISMISS_REASON.block]?.[DISMISS_REASON.action]?.value?.trim() ?? "";
    if (!reason) {
      await ack({
        response_action: "errors",
        errors: { [DISMISS_REASON.block]: "Say why, for the audit log." },
      });
      return;
    }
    await ack();
    let meta: { incidentId?: string; channel?: string; ts?: string } = {};
    try {
      meta = JSON.parse(view.private_metadata || "{}");
    } catch {
      // a modal we did not build: nothing to do
    }
    if (!meta.incidentId) return;
    try {
      const selected = values[DISMISS_SUPPRESS.block]?.[DISMISS_SUPPRESS.action]?.selected_options ?? [];
      const suppress = selected.some((o) => o.value === DISMISS_SUPPRESS.value);
      const who = await responder(ctx, body.user);
      await appendAudit(deps.store, {
        actor: `slack:${who.id}`,
        action: "press:dismiss_submit",
        incidentId: meta.incidentId,
        detail: { display: who.display, suppress },
      });
      const outcome = await deps.actions.dismiss(meta.incidentId, who, reason, suppress);
      const ref = meta.channel && meta.ts ? { channel: meta.channel, ts: meta.ts } : undefined;
      if (!outcome.ok) return tellUser(ctx, meta.channel, who.id, outcome.message);
      await reflect(ctx, outcome, ref);
    } catch (err) {
      log?.error({ err, incidentId: meta.incidentId }, "slack dismiss failed");
    }
  });
}
