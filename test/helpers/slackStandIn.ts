import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";

/**
 * A local stand-in for Slack's Web API (and for response_url webhooks), answering like Slack
 * does: HTTP 200 with {ok:true,…}, or 429 with Retry-After, or 5xx when told to. It records
 * every call, with `blocks`/`view` JSON-decoded, so tests can assert what the bot posted.
 */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
}

type Failure = { status: 429; retryAfterS: number } | { status: 500 | 502 | 503 };

export interface SlackStandInOptions {
  /** Keep every call in `calls` (default). Long load runs turn it off and use onCall. */
  record?: boolean;
  /** Called as each Web API call arrives, before it is answered. */
  onCall?(method: string, body: Record<string, unknown>): void;
}

export class SlackStandIn {
  readonly calls: RecordedCall[] = [];
  /** usergroup id → member user ids, for usergroups.users.list. */
  groups: Record<string, string[]> = {};
  /** Called with each Web API call as it arrives, before it is answered (fault tests kill here). */
  onCall?: (method: string, body: Record<string, unknown>) => void;
  private failures = new Map<string, Failure[]>();
  private server?: Server;
  private seq = 0;
  /** Top-level messages posted, newest first, for conversations.history. */
  private history: { channel: string; ts: string; text: unknown; metadata: unknown }[] = [];
  url = "";

  constructor(private readonly options: SlackStandInOptions = {}) {}

  async start(): Promise<this> {
    const app = express();
    app.use(express.urlencoded({ extended: false }), express.json());
    app.post("/api/:method", (req, res) => {
      const method = String(req.params.method);
      const body = this.decode(req.body ?? {});
      this.onCall?.(method, body);
      const fail = this.failures.get(method)?.shift();
      this.options.onCall?.(method, body);
      const call: RecordedCall = { method, body: { ...body, __status: fail?.status ?? 200 }, at: Date.now() };
      if (this.options.record !== false) this.calls.push(call);
      if (fail) {
        if (fail.status === 429) res.set("Retry-After", String(fail.retryAfterS));
        res
          .status(fail.status)
          .json({ ok: false, error: fail.status === 429 ? "ratelimited" : "internal_error" });
        return;
      }
      const answer = this.answer(method, body);
      // The message ts Slack answered with, so tests can tie later chat.update calls to it.
      if (typeof answer.ts === "string") call.body.__ts = answer.ts;
      res.json(answer);
    });
    // Slack's response URLs look like /commands/T0001/1234/abc: several path segments.
    app.post("/response/*hook", (req, res) => {
      const hook = (req.params as { hook: string[] }).hook.join("/");
      this.calls.push({
        method: "response_url",
        body: { ...this.decode(req.body ?? {}), __hook: hook, __status: 200 },
        at: Date.now(),
      });
      res.type("text/plain").send("ok");
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, "127.0.0.1", () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id = "T0001/1/abc"): string {
    return `${this.url}/response/${id}`;
  }

  /** The next `times` calls of `method` fail this way. */
  failNext(method: string, failure: Failure, times = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.failures.set(method, list);
  }

  of(method: string, okOnly = true): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && (!okOnly || c.body.__status === 200));
  }

  clear(): void {
    this.calls.length = 0;
  }

  /** Waits until `pred` holds over the recorded calls (the bot works after acking). */
  async waitFor(pred: (calls: RecordedCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this.calls)) {
      if (Date.now() > end) {
        throw new Error(
          `stand-in: condition not met in ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(", ")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private decode(body: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...body };
    for (const k of ["blocks", "view", "attachments", "metadata"]) {
      if (typeof out[k] === "string") {
        try {
          out[k] = JSON.parse(out[k] as string);
        } catch {
          // leave as sent
        }
      }
    }
    return out;
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://acme.slack.com/",
          team: "Acme",
          user: "immune",
          team_id: "T0001",
          user_id: "UBOT",
          bot_id: "BBOT",
        };
      case "chat.postMessage": {
        const ts = `1700000000.${String(++this.seq).padStart(6, "0")}`;
        if (!body.thread_ts) {
          this.history.unshift({
            channel: String(body.channel),
            ts,
            text: body.text,
            metadata: body.metadata,
          });
        }
        return {
          ok: true,
          channel: body.channel,
          ts,
          message: { type: "message", text: body.text, ts, bot_id: "BBOT" },
        };
      }
      case "conversations.history": {
        // Newest first, like Slack; metadata only when asked for (include_all_metadata).
        const withMeta = String(body.include_all_metadata) === "true";
        const messages = this.history
          .filter((m) => m.channel === String(body.channel))
          .map((m) => ({
            type: "message",
            ts: m.ts,
            text: m.text,
            bot_id: "BBOT",
            ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return { ok: true, messages, has_more: false, response_metadata: { next_cursor: "" } };
      }
      case "chat.update":
        return { ok: true, channel: body.channel, ts: body.ts, text: body.text };
      case "chat.postEphemeral":
        return { ok: true, message_ts: `1700000001.${String(++this.seq).padStart(6, "0")}` };
      case "views.open":
        return { ok: true, view: { id: "V0001", type: "modal", ...(body.view as object) } };
      case "usergroups.users.list":
        return { ok: true, users: this.groups[String(body.usergroup)] ?? [] };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}
