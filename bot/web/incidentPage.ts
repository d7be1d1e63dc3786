import type express from "express";
import type { Incident } from "../../detection/model";
import type { BotDeps } from "../botDeps";
import { incidentPageHtml, type RawEvent } from "./incidentPageHtml";
import { checkIncidentLink } from "./signedLink";

const HEADERS = {
  "Cache-Control": "no-store",
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Robots-Tag": "noindex",
};

async function rawEvents(deps: Pick<BotDeps, "store">, incident: Incident): Promise<RawEvent[]> {
  const out: RawEvent[] = [];
  for (const id of incident.eventIds.slice(0, 10)) {
    const rec = (await deps.store.getInbox(`${incident.source}:${id}`)) ?? (await deps.store.getInbox(id));
    if (rec) out.push({ id: rec.id, payload: rec.payload });
  }
  return out;
}

/**
 * GET /incidents/:id?exp=…&sig=…: the page behind the card's Details button. A link that was
 * not signed with our key gets the same 404 as an unknown incident (nothing to learn by
 * guessing); a signed but expired one gets 403 and no incident data.
 */
export function mountIncidentPage(
  app: express.Express,
  deps: Pick<BotDeps, "store" | "linkSecret" | "now">,
): void {
  app.get("/incidents/:id", async (req, res, next) => {
    try {
      res.set(HEADERS);
      const now = deps.now?.() ?? new Date();
      const id = String(req.params.id);
      const check = checkIncidentLink(id, req.query.exp, req.query.sig, deps.linkSecret, now);
      if (check === "bad") {
        res.status(404).type("text/plain").send("Not found");
        return;
      }
      if (check === "expired") {
        res
          .status(403)
          .type("text/plain")
          .send("This link has expired. Open the incident card again for a fresh one.");
        return;
      }
      const doc = await deps.store.get<Incident>("incidents", id);
      if (!doc) {
        res.status(404).type("text/plain").send("Not found");
        return;
      }
      res
        .status(200)
        .type("html")
        .send(incidentPageHtml(doc.data, await rawEvents(deps, doc.data), now));
    } catch (err) {
      next(err);
    }
  });
}
