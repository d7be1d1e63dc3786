import { createHmac } from "node:crypto";
import type { ChatChannel } from "../../bot/chatChannel";
import type { View } from "../../bot/views/view";
import type { Incident } from "../../detection/model";

/** ISC trigger inputs, shaped as the sailpoint-api-client typings document them. */
export function identityCreated(id: string, name: string, attrs: Record<string, unknown>) {
  return { identity: { type: "IDENTITY", id, name }, attributes: attrs };
}

export function attributesChanged(
  id: string,
  name: string,
  changes: { attribute: string; oldValue: unknown; newValue: unknown }[],
) {
  return { identity: { type: "IDENTITY", id, name }, changes };
}

export const ALICE_ID = "2c9180857182305e0171993735622948";

export const aliceCreated = identityCreated(ALICE_ID, "Alice Adams", {
  email: "alice@acme.com",
  department: "engineering",
  title: "Software Engineer",
  manager: { id: "2c9180a46faadee4016fb4e018c20639", name: "Mona Manager", type: "IDENTITY" },
  cloudLifecycleState: "active",
  uid: "alice.adams",
});

export const aliceTerminated = attributesChanged(ALICE_ID, "Alice Adams", [
  { attribute: "cloudLifecycleState", oldValue: "active", newValue: "terminated" },
]);

export const aliceMovedToSales = attributesChanged(ALICE_ID, "Alice Adams", [
  { attribute: "department", oldValue: "engineering", newValue: "sales" },
  { attribute: "title", oldValue: "Software Engineer", newValue: "Account Executive" },
]);

export function hmacHeaders(secret: string, body: string, ts = Math.floor(Date.now() / 1000)) {
  const sig = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
  return { "x-sailpoint-signature": `sha256=${sig}`, "x-sailpoint-timestamp": String(ts) };
}

/** A chat channel that records what it was asked to post. */
export class RecordingChannel implements ChatChannel {
  readonly name = "console" as const;
  incidents: Incident[] = [];
  views: View[] = [];
  notes: string[] = [];
  async publishIncident(incident: Incident) {
    this.incidents.push(structuredClone(incident));
  }
  async notify(text: string) {
    this.notes.push(text);
  }
  async publishView(view: View) {
    this.views.push(view);
  }
}

export async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
