import { randomUUID } from "node:crypto";
import { allDetectors } from "../../detection/detectors";
import type { Suppression } from "../../detection/model";
import { appendAudit } from "../../integrations/store/audit";
import { responderKey } from "../basicIncidentActions";
import type { BotDeps } from "../botDeps";
import { digestData, yesterdayIn } from "../digest/digestData";
import type { Responder } from "../incidentActions";
import { digestView } from "../views/digestView";
import { duration } from "../views/format";
import { helpView, noticeView } from "../views/helpView";
import { identityHealthView } from "../views/identityView";
import { incidentListView } from "../views/incidentListView";
import { lifecycleView } from "../views/lifecycleView";
import { recommendationView } from "../views/recommendationView";
import { statusView } from "../views/statusView";
import type { View } from "../views/view";
import {
  findIdentity,
  incidentsOf,
  lifecycleHistory,
  loadRecommendation,
  loadStatus,
  OPEN_STATES,
  principalIds,
  recentIncidents,
} from "./commandData";
import { type Command, parseCommand } from "./parseCommand";

export interface CommandResult {
  view: View;
  /** Post for the whole channel to see (the user added `share`); else only the asker sees it. */
  share: boolean;
}

export type CommandDeps = Pick<BotDeps, "store" | "status" | "config" | "now"> & {
  /** When present, recommendation cards offer "Propose this change". */
  actions?: Pick<BotDeps["actions"], "proposeLeastPrivilege">;
};

/** Runs `/immune <text>` for a responder: parse, read the store, build the view model. */
export async function runCommand(text: string, who: Responder, deps: CommandDeps): Promise<CommandResult> {
  const parsed = parseCommand(text);
  if (!parsed.ok) return { view: helpView(parsed.problem), share: false };
  return { view: await execute(parsed.command, who, deps), share: parsed.share };
}

async function execute(cmd: Command, who: Responder, deps: CommandDeps): Promise<View> {
  const { store } = deps;
  const now = deps.now?.() ?? new Date();
  switch (cmd.name) {
    case "help":
      return helpView();
    case "status":
      return statusView(await loadStatus(store, deps.status, now));
    case "incidents": {
      const all = await recentIncidents(store);
      const me = responderKey(who);
      const chosen =
        cmd.filter === "all"
          ? all
          : cmd.filter === "mine"
            ? all.filter((i) => i.assignee === me)
            : all.filter((i) => OPEN_STATES.includes(i.state));
      return incidentListView(cmd.filter, chosen, now);
    }
    case "identity": {
      const identity = await findIdentity(store, cmd.who);
      const incidents = incidentsOf(await recentIncidents(store), principalIds(cmd.who, identity));
      return identityHealthView({ query: cmd.who, identity, incidents, now });
    }
    case "lifecycle": {
      const identity = await findIdentity(store, cmd.who);
      const ids = principalIds(cmd.who, identity);
      const violations = incidentsOf(await recentIncidents(store), ids).filter(
        (i) => i.category === "lifecycle_violation",
      );
      return lifecycleView({
        query: cmd.who,
        identity,
        history: await lifecycleHistory(store, ids),
        violations,
        now,
      });
    }
    case "recommend": {
      const identity = await findIdentity(store, cmd.who);
      return recommendationView(cmd.who, await loadRecommendation(store, principalIds(cmd.who, identity)), {
        canPropose: Boolean(deps.actions?.proposeLeastPrivilege),
      });
    }
    case "digest": {
      const tz = deps.config.DIGEST_TIMEZONE;
      return digestView(await digestData(store, yesterdayIn(tz, now), tz, now));
    }
    case "mute": {
      const by = responderKey(who);
      const s: Suppression = {
        id: randomUUID(),
        principal: cmd.who,
        detector: cmd.detector,
        effect: "silence",
        points: 30,
        reason: cmd.reason.slice(0, 500),
        createdBy: by,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + cmd.durationMs).toISOString(),
      };
      await store.create("suppressions", s.id, s);
      await appendAudit(store, { actor: by, action: "mute", detail: { ...s, display: who.display } });
      const known = allDetectors.length === 0 || allDetectors.some((d) => d.id === cmd.detector);
      return noticeView(`Muted ${cmd.detector} for ${cmd.who}`, [
        `For ${duration(cmd.durationMs)}, until ${s.expiresAt}.`,
        `Reason: ${s.reason}`,
        ...(known ? [] : [`Note: no detector "${cmd.detector}" is registered; check the spelling.`]),
      ]);
    }
  }
}
