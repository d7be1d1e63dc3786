import { slackFeature } from "../../bot/slack/slackFeature";
import type { Incident } from "../../detection/model";
import { gcpPublicBucketEntry, pubSubPush } from "../../test/helpers/fixtures";
import { postJson, startTestServer } from "../../test/helpers/server";
import { blockActionsBody, postSigned, slashCommandBody } from "../../test/helpers/slackRequests";
import { SlackStandIn } from "../../test/helpers/slackStandIn";
import type { BenchFigure, BenchSection } from "../section";
import { percentile } from "../section";

/**
 * Slack round trips on the real server over loopback, with the Slack Web API stand-in:
 * webhook → card posted, /immune ack and reply, button ack and card update + thread line.
 * Slack wants the HTTP ack within 3 s; these say how much of that budget is used.
 */
const CARDS = 30;
const COMMANDS = 100;
const PRESSES = 100;
const SECRET = "bench-slack-signing-secret";

export const slackSection: BenchSection = {
  name: "slack",
  title: `Slack latency: ${CARDS} cards, ${COMMANDS} signed /immune commands, ${PRESSES} button presses`,
  async run(log) {
    const slack = await new SlackStandIn().start();
    const t = await startTestServer(
      {
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: "xoxb-0000-0000-benchtoken",
        SLACK_API_URL: slack.apiUrl,
        SLACK_INCIDENT_CHANNEL: "C0BENCH",
        LINK_SIGNING_SECRET: "bench-link-key",
        LOG_LEVEL: "warn",
      },
      { features: [slackFeature()] },
    );
    try {
      const card: number[] = [];
      for (let i = 0; i < CARDS; i++) {
        const who = `bench${i}@example.com`;
        const t0 = performance.now();
        await postJson(
          `${t.url}/events/gcp`,
          pubSubPush(gcpPublicBucketEntry({ insertId: `bench-slack-${i}`, principal: who }), `b${i}`),
        );
        await slack.waitFor(
          (c) =>
            c.some(
              (x) => x.method === "chat.postMessage" && JSON.stringify(x.body.blocks ?? "").includes(who),
            ),
          10_000,
        );
        card.push(performance.now() - t0);
      }
      const cmdAck: number[] = [];
      const cmdReply: number[] = [];
      for (let i = 0; i < COMMANDS; i++) {
        slack.clear();
        const t0 = performance.now();
        const text = i % 2 ? "status" : "incidents open";
        const r = await postSigned(
          t.url,
          SECRET,
          slashCommandBody(text, { id: "U0BENCH", username: "bench" }, slack.responseUrl()),
        );
        if (r.status !== 200) throw new Error(`/immune answered ${r.status}`);
        cmdAck.push(performance.now() - t0);
        await slack.waitFor((c) => c.some((x) => x.method === "response_url"));
        cmdReply.push(performance.now() - t0);
      }
      const inc = (await t.server.store.query<Incident>("incidents", { limit: 1 }))[0].data;
      const pressAck: number[] = [];
      const pressDone: number[] = [];
      for (let i = 0; i < PRESSES; i++) {
        slack.clear();
        const t0 = performance.now();
        const body = blockActionsBody({
          user: { id: `U0B${i}`, username: `b${i}` },
          actionId: "assign",
          value: inc.id,
          channel: "C0BENCH",
          messageTs: inc.chat.slack?.ts ?? "1.1",
          responseUrl: slack.responseUrl(),
        });
        const r = await postSigned(t.url, SECRET, body);
        if (r.status !== 200) throw new Error(`press answered ${r.status}`);
        pressAck.push(performance.now() - t0);
        await slack.waitFor((c) => c.some((x) => x.method === "chat.postMessage" && x.body.thread_ts));
        pressDone.push(performance.now() - t0);
      }
      const rows: BenchFigure[] = [];
      const add = (key: string, label: string, xs: number[], target?: number) => {
        for (const p of [50, 95]) {
          const v = percentile(xs, p);
          rows.push({
            key: `slack.${key}_p${p}_ms`,
            value: Math.round(v),
            unit: "ms",
            label: `${label}, p${p}`,
            ...(target !== undefined ? { target: `< ${target} ms`, pass: v < target } : {}),
          });
        }
      };
      add("card", "webhook accepted → card posted", card);
      add("command_ack", "/immune HTTP ack", cmdAck, 3000);
      add("command_reply", "/immune reply at response_url", cmdReply);
      add("press_ack", "button HTTP ack", pressAck, 3000);
      add("press_done", "button → card updated + thread line", pressDone);
      log(`${CARDS + COMMANDS + PRESSES} round trips`);
      return rows;
    } finally {
      await t.close();
      await slack.stop();
    }
  },
};
