import { ErrorCode, type WebClient } from "@slack/web-api";
import type { Incident } from "../../detection/model";
import { mutate, type Store } from "../../integrations/store/store";
import type { BotDeps } from "../botDeps";
import type { ChatChannel, PublishOptions } from "../chatChannel";
import { incidentCardView } from "../views/incidentCard";
import { reopenNotice } from "../views/reopenNotice";
import type { View } from "../views/view";
import { signIncidentLink } from "../web/signedLink";
import { renderMessage, renderText } from "./blockKit";
import type { SlackMessage } from "./blockKitLimits";

export interface SlackChannelOptions {
  store: Store;
  /** Channel id incident cards go to. */
  channel: string;
  /** Base URL for Details links; a function when it is known only once the server listens. */
  publicUrl: string | (() => string);
  linkSecret: string;
  linkTtlHours: number;
  now?: () => Date;
  log?: BotDeps["log"];
  /** Slack 5xx answers are retried this many times with exponential backoff from baseMs. */
  serverRetry?: { attempts: number; baseMs: number };
  /** How long a replica that lost the post claim waits for the winner's message ts. */
  claimWaitMs?: number;
}

export interface SlackRef {
  channel: string;
  ts: string;
}

/** Message metadata type every incident card carries (event_payload.incident_id names it). */
export const CARD_EVENT_TYPE = "iam_immune_incident";
/** How far back (pages of 200 messages) a recovering replica looks for a card it may have posted. */
const RECOVERY_PAGES = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isServerError(err: unknown): boolean {
  const e = err as { code?: string; statusCode?: number };
  return e?.code === ErrorCode.HTTPError && typeof e.statusCode === "number" && e.statusCode >= 500;
}

/**
 * Incident cards in one Slack channel: each incident is posted once (chat.postMessage) and
 * updated in place afterwards (chat.update). The message's channel+ts is kept on the
 * incident (chat.slack); a claim in the store makes sure two replicas publishing the same
 * new incident post one message, not two. The WebClient waits out a 429's Retry-After and
 * retries it, and retries 5xx answers too, both under its retryConfig; a 5xx that outlives
 * those retries is retried here, then the error goes back to the caller (and the claim is
 * freed). Only a 200 records the message, so retries never make a second card.
 */
export class SlackChannel implements ChatChannel {
  readonly name = "slack" as const;

  constructor(
    readonly client: WebClient,
    private readonly opts: SlackChannelOptions,
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const { attempts, baseMs } = this.opts.serverRetry ?? { attempts: 4, baseMs: 1000 };
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (!isServerError(err) || i >= attempts) throw err;
        this.opts.log?.warn({ attempt: i + 1 }, "slack answered 5xx; retrying");
        await sleep(baseMs * 2 ** i);
      }
    }
  }

  detailsUrl(incident: Incident): string {
    const exp = new Date(this.now().getTime() + this.opts.linkTtlHours * 3600_000);
    const base = typeof this.opts.publicUrl === "function" ? this.opts.publicUrl() : this.opts.publicUrl;
    return signIncidentLink(base, incident.id, this.opts.linkSecret, exp);
  }

  card(incident: Incident): SlackMessage {
    return renderMessage(
      incidentCardView(incident, { detailsUrl: this.detailsUrl(incident), now: this.now() }),
    );
  }

  private async latest(incident: Incident): Promise<Incident> {
    const doc = await this.opts.store.get<Incident>("incidents", incident.id);
    return doc?.data ?? incident;
  }

  async publishIncident(given: Incident, opts: PublishOptions = {}): Promise<void> {
    // The store is the truth: render its newest version, whatever version the caller had.
    const incident = await this.latest(given);
    if (incident.chat.slack) {
      await this.update(incident, incident.chat.slack);
      await this.sayReopened(incident, incident.chat.slack);
      return;
    }
    const claimId = `slack-post:${incident.id}`;
    if (await this.opts.store.create("claims", claimId, { at: this.now().toISOString() })) {
      await this.post(incident, claimId);
      return;
    }
    if (opts.recover) {
      // The attempt that claimed the post died (its inbox record is being replayed). Slack may
      // or may not have taken the message: look for it before posting, so a crash between
      // Slack's answer and recording the ts does not leave two cards.
      const claim = await this.opts.store.get<{ at?: string }>("claims", claimId);
      const found = await this.findPosted(incident.id, claim?.data.at);
      if (found) {
        const cur = await this.remember(incident.id, found);
        await this.update(cur ?? incident, found);
        return;
      }
      await this.post(incident, claimId);
      return;
    }
    // Another replica is posting this card: wait for its ts, then update with our version.
    const deadline = Date.now() + (this.opts.claimWaitMs ?? 5000);
    while (Date.now() < deadline) {
      await sleep(100);
      const cur = await this.latest(incident);
      if (cur.chat.slack) {
        await this.update(cur, cur.chat.slack);
        return;
      }
    }
    this.opts.log?.warn(
      { incident: incident.id },
      "another replica claimed the Slack post but never recorded it",
    );
  }

  /** A reopened incident is said in the card's thread and broadcast to the channel, once. */
  private async sayReopened(incident: Incident, ref: SlackRef): Promise<void> {
    const notice = reopenNotice(incident);
    if (!notice) return;
    const claimId = `slack-reopen:${incident.id}:${notice.key}`;
    if (!(await this.opts.store.create("claims", claimId, { at: this.now().toISOString() }))) return;
    try {
      await this.call(() =>
        this.client.chat.postMessage({
          channel: ref.channel,
          thread_ts: ref.ts,
          reply_broadcast: true,
          text: renderText(notice.text),
        }),
      );
    } catch (err) {
      await this.opts.store.delete("claims", claimId);
      throw err;
    }
  }

  /** Posts the card (this caller holds the post claim) and records its ts on the incident. */
  private async post(incident: Incident, claimId: string): Promise<void> {
    try {
      const msg = this.card(incident);
      const res = await this.call(() =>
        this.client.chat.postMessage({
          channel: this.opts.channel,
          text: msg.text,
          blocks: msg.blocks as never,
          // Lets a replica recovering from a crash find this card in the channel's history.
          metadata: { event_type: CARD_EVENT_TYPE, event_payload: { incident_id: incident.id } },
        }),
      );
      await this.remember(incident.id, {
        channel: String(res.channel ?? this.opts.channel),
        ts: String(res.ts),
      });
    } catch (err) {
      // Let a later publish try again instead of waiting forever on a dead claim.
      await this.opts.store.delete("claims", claimId);
      throw err;
    }
  }

  private async remember(incidentId: string, ref: SlackRef): Promise<Incident | undefined> {
    const doc = await mutate<Incident>(this.opts.store, "incidents", incidentId, (cur) =>
      cur && cur.chat.slack?.ts !== ref.ts ? { ...cur, chat: { ...cur.chat, slack: ref } } : undefined,
    );
    return doc?.data;
  }

  /**
   * The incident's card if Slack already has it: the channel's recent history, read for the
   * metadata every card carries. Needs channels:history; without it (or on any error) the card
   * counts as not posted, since a second card is better than none.
   */
  private async findPosted(incidentId: string, claimedAt?: string): Promise<SlackRef | undefined> {
    // Only messages from a minute before the claim on (clock skew): the card cannot be older.
    const since = claimedAt ? Date.parse(claimedAt) - 60_000 : Number.NaN;
    const oldest = Number.isFinite(since) ? (since / 1000).toFixed(6) : undefined;
    try {
      let cursor: string | undefined;
      for (let page = 0; page < RECOVERY_PAGES; page++) {
        const res = await this.client.conversations.history({
          channel: this.opts.channel,
          include_all_metadata: true,
          limit: 200,
          ...(oldest ? { oldest } : {}),
          ...(cursor ? { cursor } : {}),
        });
        for (const m of res.messages ?? []) {
          const meta = m.metadata as
            | { event_type?: string; event_payload?: { incident_id?: string } }
            | undefined;
          if (
            meta?.event_type === CARD_EVENT_TYPE &&
            meta.event_payload?.incident_id === incidentId &&
            m.ts
          ) {
            return { channel: this.opts.channel, ts: m.ts };
          }
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) break;
      }
    } catch (err) {
      this.opts.log?.warn(
        { incident: incidentId, error: (err as Error).message },
        "could not read the channel history to recover a card post (needs channels:history); posting it",
      );
    }
    return undefined;
  }

  /** Re-renders the card in place. */
  async update(incident: Incident, ref: SlackRef): Promise<void> {
    const msg = this.card(incident);
    await this.call(() =>
      this.client.chat.update({
        channel: ref.channel,
        ts: ref.ts,
        text: msg.text,
        blocks: msg.blocks as never,
      }),
    );
  }

  /** Adds a line to the card's thread (the incident's timeline as it happens). */
  async thread(ref: SlackRef, text: string): Promise<void> {
    await this.call(() =>
      this.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: renderText(text) }),
    );
  }

  async notify(text: string): Promise<void> {
    await this.call(() =>
      this.client.chat.postMessage({ channel: this.opts.channel, text: renderText(text) }),
    );
  }

  async publishView(view: View): Promise<void> {
    const msg = renderMessage(view);
    await this.call(() =>
      this.client.chat.postMessage({
        channel: this.opts.channel,
        text: msg.text,
        blocks: msg.blocks as never,
      }),
    );
  }
}
