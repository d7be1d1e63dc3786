import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JmlReport } from "../../integrations/sailpoint/jmlProvision";
import { lifecycleFeature } from "../../integrations/sailpoint/lifecycleFeature";
import type { TestServer } from "../helpers/server";
import { startTestServer } from "../helpers/server";
import { post, RecordingChannel } from "./fixtures";
import { iamStandIn, MUTATING } from "./iamStandIn";

const TOKEN = "jml-token-xyz";
let srv: TestServer | undefined;
let iam: ReturnType<typeof iamStandIn>;

const CSV = `username,position,mode
carol,engineer,add
dave,engineer,add
erin,astronaut,add
frank,engineer,fire
,engineer,add
gina,analyst,move
henry,,remove
ivan,analyst,move
`;

beforeEach(async () => {
  iam = iamStandIn("111122223333", {
    dave: { tags: {}, keys: [], groups: ["developers", "readonly"], loginProfile: false },
    gina: { tags: {}, keys: [], groups: ["developers", "readonly", "oncall"], loginProfile: true },
    henry: {
      tags: {},
      keys: [
        { id: "AKIAHENRY0000000001", status: "Active" },
        { id: "AKIAHENRY0000000002", status: "Inactive" },
      ],
      groups: ["developers"],
      loginProfile: true,
    },
  });
  srv = await startTestServer(
    {
      SAILPOINT_WEBHOOK_TOKEN: TOKEN,
      JML_POSITIONS: "engineer=developers|readonly,analyst=analysts|readonly",
      JML_AWS_ACCOUNT: "111122223333",
      REMEDIATION_MAX_ATTEMPTS: "1",
    },
    { features: [lifecycleFeature()], channels: [new RecordingChannel()], startWorker: false },
  );
});

afterEach(async () => {
  await srv?.close();
  iam.mock.restore();
});

async function importCsv(query = ""): Promise<JmlReport> {
  const res = await post(`${srv?.url}/jml/csv${query}`, CSV, {
    authorization: `Bearer ${TOKEN}`,
    "content-type": "text/csv",
  });
  expect(res.status).toBe(200);
  return res.json as unknown as JmlReport;
}

function byLine(r: JmlReport) {
  return Object.fromEntries(r.results.map((x) => [x.line, x]));
}

function mutations(): number {
  return iam.mock.calls().filter((c) => MUTATING.some((M) => c.args[0] instanceof M)).length;
}

describe("JML CSV import", () => {
  it("processes good rows, reports each bad row with its reason, and the same file twice changes nothing", async () => {
    const first = await importCsv();
    const r = byLine(first);
    expect(r[2]).toMatchObject({ username: "carol", status: "changed" });
    expect(r[2].changes).toEqual([
      "create IAM user carol",
      "add carol to group developers",
      "add carol to group readonly",
    ]);
    expect(r[3]).toMatchObject({ username: "dave", status: "unchanged", changes: [] });
    expect(r[4]).toMatchObject({
      username: "erin",
      status: "error",
      error: 'unknown position "astronaut" (not in JML_POSITIONS)',
    });
    expect(r[5]).toMatchObject({
      username: "frank",
      status: "error",
      error: 'unknown mode "fire" (use add, move or remove)',
    });
    expect(r[6]).toMatchObject({ status: "error", error: "missing username" });
    expect(r[7]).toMatchObject({ username: "gina", status: "changed" });
    // Moves into analysts, leaves the old position's group, keeps the shared and unmanaged ones.
    expect(r[7].changes).toEqual(["add gina to group analysts", "remove gina from group developers"]);
    expect(r[8]).toMatchObject({ username: "henry", status: "changed" });
    expect(r[8].changes).toEqual([
      "deactivate access key AKIAHENRY0000000001",
      "delete access key AKIAHENRY0000000001",
      "delete access key AKIAHENRY0000000002",
      "delete console password",
      "remove from group developers",
      "delete IAM user henry",
    ]);
    expect(r[9]).toMatchObject({ username: "ivan", status: "error", error: 'no IAM user "ivan" to move' });
    expect(first.counts).toEqual({ changed: 3, unchanged: 1, "would-change": 0, error: 4 });

    expect(iam.state.get("carol")?.groups).toEqual(["developers", "readonly"]);
    expect(iam.state.get("gina")?.groups.sort()).toEqual(["analysts", "oncall", "readonly"]);
    expect(iam.state.has("henry")).toBe(false);
    const audit = await srv?.server.store.query<{ action: string }>("audit");
    expect(audit?.map((a) => a.data.action).sort()).toEqual(["jml.add", "jml.move", "jml.remove"]);

    const before = mutations();
    expect(before).toBe(11); // carol 3, gina 2, henry 6
    const second = await importCsv();
    expect(mutations()).toBe(before);
    expect(second.counts).toEqual({ changed: 0, unchanged: 4, "would-change": 0, error: 4 });
    expect(byLine(second)[4].error).toBe(r[4].error);
  });

  it("dry-run reports what would change and changes nothing", async () => {
    const report = await importCsv("?dryRun=true");
    expect(report.dryRun).toBe(true);
    expect(mutations()).toBe(0);
    expect(byLine(report)[2]).toMatchObject({ status: "would-change" });
    expect(report.counts).toEqual({ changed: 0, unchanged: 1, "would-change": 3, error: 4 });
    expect(iam.state.has("henry")).toBe(true);
  });

  it("refuses an unauthenticated import and changes nothing", async () => {
    const res = await post(`${srv?.url}/jml/csv`, CSV, { "content-type": "text/csv" });
    expect(res.status).toBe(401);
    expect(mutations()).toBe(0);
  });
});
