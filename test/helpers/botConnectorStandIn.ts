import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";

/**
 * A local stand-in for the Bot Framework Connector service (the serviceUrl Teams puts on every
 * activity), answering like it does: new messages and replies get an id, updates echo it, and
 * conversation members are looked up by id. Records every call so tests can read the cards.
 */
export interface ConnectorCall {
  method: string;
  /** Decoded conversation id and, for replies and updates, activity id. */
  conversationId: string;
  activityId?: string;
  op: "send" | "reply" | "update" | "member" | "other";
  body: Record<string, unknown>;
}

export class BotConnectorStandIn {
  readonly calls: ConnectorCall[] = [];
  /** Azure AD object id → member, for GET …/members/{id}. */
  members: Record<string, { id: string; name: string; aadObjectId: string }> = {};
  private server?: Server;
  private seq = 0;
  url = "";

  async start(): Promise<this> {
    const app = express();
    app.use(express.json({ limit: "2mb" }));
    app.use((req, res) => {
      const m = /^\/v3\/conversations\/([^/]+)(?:\/(activities|members)(?:\/([^/]+))?)?$/.exec(req.path);
      if (!m) {
        this.calls.push({ method: req.method, conversationId: "", op: "other", body: req.body ?? {} });
        res.status(404).json({ error: { code: "NotFound", message: req.path } });
        return;
      }
      const conversationId = decodeURIComponent(m[1]);
      const sub = m[2];
      const id = m[3] ? decodeURIComponent(m[3]) : undefined;
      if (sub === "members" && req.method === "GET" && id) {
        this.calls.push({ method: "GET", conversationId, activityId: id, op: "member", body: {} });
        const member = this.members[id];
        if (!member) {
          res.status(404).json({ error: { code: "MemberNotFoundInConversation", message: "not found" } });
          return;
        }
        res.json(member);
        return;
      }
      if (sub === "activities") {
        const op = req.method === "PUT" ? "update" : id ? "reply" : "send";
        this.calls.push({ method: req.method, conversationId, activityId: id, op, body: req.body ?? {} });
        res.json({ id: op === "update" ? id : `1700000000${String(++this.seq).padStart(3, "0")}` });
        return;
      }
      this.calls.push({ method: req.method, conversationId, op: "other", body: req.body ?? {} });
      res.status(404).json({ error: { code: "NotFound", message: req.path } });
    });
    this.server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  /** The adaptive card an activity sent or updated carries. */
  static card(call: ConnectorCall): Record<string, unknown> | undefined {
    const atts = call.body.attachments as
      | { contentType: string; content: Record<string, unknown> }[]
      | undefined;
    return atts?.find((a) => a.contentType === "application/vnd.microsoft.card.adaptive")?.content;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
