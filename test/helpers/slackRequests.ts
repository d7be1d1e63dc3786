import { createHmac } from "node:crypto";

/**
 * Requests as Slack sends them to /slack/events, signed the way Slack signs them
 * (docs.slack.dev/authentication/verifying-requests-from-slack): X-Slack-Signature is
 * "v0=" + hex HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body).
 * Payload shapes follow the slash-command and block_actions / view_submission references.
 */
export const TEAM = { id: "T0001", domain: "acme" };
export const APP_ID = "A0IMMUNE01";

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignOptions {
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Signs with this secret instead (a forged request). */
  secret?: string;
  /** Replaces the signature header outright. */
  signature?: string;
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: SignOptions & { contentType?: string } = {},
): Promise<{ status: number; text: string }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": opts.contentType ?? "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": opts.signature ?? slackSignature(opts.secret ?? secret, ts, body),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

let triggerSeq = 0;
const trigger = () => `${++triggerSeq}337799.3366444.7ab5e1d9c5c0f3a3f0a2c7d21e9b8f41`;

export interface SlackUser {
  id: string;
  username: string;
}

/** The form body of a slash command invocation. */
export function slashCommandBody(
  text: string,
  user: SlackUser,
  responseUrl: string,
  channel = { id: "C0INCIDENTS", name: "security-incidents" },
): string {
  return new URLSearchParams({
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user.id,
    user_name: user.username,
    command: "/immune",
    text,
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: responseUrl,
    trigger_id: trigger(),
  }).toString();
}

/** The form body (payload=…) of a button press on a message the bot posted. */
export function blockActionsBody(opts: {
  user: SlackUser;
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  responseUrl: string;
  blocks?: unknown[];
}): string {
  const payload = {
    type: "block_actions",
    user: { id: opts.user.id, username: opts.user.username, name: opts.user.username, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    container: {
      type: "message",
      message_ts: opts.messageTs,
      channel_id: opts.channel,
      is_ephemeral: false,
    },
    trigger_id: trigger(),
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: opts.channel, name: "security-incidents" },
    message: {
      type: "message",
      subtype: "bot_message",
      text: "incident",
      ts: opts.messageTs,
      bot_id: "BBOT",
      blocks: opts.blocks ?? [],
    },
    state: { values: {} },
    response_url: opts.responseUrl,
    actions: [
      {
        action_id: opts.actionId,
        block_id: "incident_actions",
        text: { type: "plain_text", text: opts.actionId, emoji: true },
        value: opts.value,
        type: "button",
        action_ts: `${Math.floor(Date.now() / 1000)}.123456`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The form body of a modal submission (the Dismiss dialog). */
export function viewSubmissionBody(opts: {
  user: SlackUser;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
}): string {
  const payload = {
    type: "view_submission",
    team: TEAM,
    user: { id: opts.user.id, username: opts.user.username, name: opts.user.username, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    trigger_id: trigger(),
    view: {
      id: "V0001",
      team_id: TEAM.id,
      type: "modal",
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata,
      state: { values: opts.values },
      hash: "1700000000.abcdEFGH",
      title: { type: "plain_text", text: "Dismiss" },
      blocks: [],
      app_id: APP_ID,
      bot_id: "BBOT",
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
