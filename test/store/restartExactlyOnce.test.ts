import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Incident } from "../../detection/model";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { exited, freePort, readyz, waitUntil } from "../helpers/childServer";
import { awsPublicBucketPolicyRecord } from "../helpers/fixtures";

/**
 * The durability promise end to end: 10,000 accepted CloudTrail events, the server killed with
 * SIGKILL (no shutdown hook runs) while records wait in the inbox, a restart, and afterwards
 * every event processed exactly once: all done, none pending or dead, one incident per
 * (actor, bucket, hour window) and every event's findings on exactly one incident, once.
 * About 30 s on an idle two-core machine (two server start-ups, 10,000 events through the full
 * pipeline); the generous timeout is for a machine shared with other jobs.
 */

const ROOT = resolve(__dirname, "../..");
const EVENTS = 10_000;
const ACTORS = 250;
const WINDOW_MS = 60 * 60_000;
const BASE = Date.parse("2026-11-20T12:00:00Z");

/** Event n: one of 250 IAM users making one of two buckets public, spread over three hours. */
function event(n: number) {
  const actor = n % ACTORS;
  const bucket = `acme-u${actor}-b${Math.floor(n / ACTORS) % 2}`;
  const time = new Date(BASE + n * 1080).toISOString().replace(/\.\d{3}Z$/, "Z");
  const r = awsPublicBucketPolicyRecord({ eventID: `evt-${String(n).padStart(6, "0")}`, eventTime: time });
  const user = `user${actor}`;
  r.userIdentity = {
    ...r.userIdentity,
    arn: `arn:aws:iam::111122223333:user/${user}`,
    userName: user,
    principalId: `AIDA${String(actor).padStart(17, "0")}`,
  };
  r.requestParameters.bucketName = bucket;
  r.requestParameters.Host = `${bucket}.s3.us-east-1.amazonaws.com`;
  r.requestParameters.bucketPolicy.Statement[0].Resource = `arn:aws:s3:::${bucket}/*`;
  r.resources = [{ accountId: "111122223333", type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` }];
  r.tlsDetails.clientProvidedHostHeader = r.requestParameters.Host;
  return { record: r, key: `${user}|${bucket}|${Math.floor(Date.parse(time) / WINDOW_MS)}` };
}

interface Proc {
  child: ChildProcess;
  output: string[];
}

function startServer(port: number, dataDir: string): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/immune.ts", "start"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      // A killed worker's claims come back after one second instead of a minute.
      WORKER_LEASE_MS: "1000",
      WORKER_BATCH: "200",
    },
    // Incident cards go to stdout (console channel): thousands of them, not needed here.
    stdio: ["ignore", "ignore", "pipe"],
  });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > 200) output.shift();
  };
  child.stderr?.on("data", keep);
  return { child, output };
}

const dataDir = mkdtempSync(join(tmpdir(), "immune-restart-"));
const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill("SIGKILL");
      await exited(p.child);
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("restart after SIGKILL", () => {
  it("processes each of 10,000 accepted events exactly once", { timeout: 150_000 }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const events = Array.from({ length: EVENTS }, (_, n) => event(n));

    const tStart = Date.now();
    const first = startServer(port, dataDir);
    procs.push(first);
    await waitUntil("first start", () => readyz(url), 60_000).catch((err) => {
      throw new Error(`${(err as Error).message}\n${first.output.join("")}`);
    });

    // CloudTrail log files of 200 records, four requests in flight. Once half the files are
    // acknowledged the process is killed mid-stream: requests in flight fail and are retried
    // against the restarted server, as EventBridge or Pub/Sub would.
    const files: string[] = [];
    for (let i = 0; i < EVENTS; i += 200) {
      files.push(JSON.stringify({ Records: events.slice(i, i + 200).map((e) => e.record) }));
    }
    let accepted = 0;
    let duplicates = 0;
    const post = async (i: number): Promise<boolean> => {
      try {
        const res = await fetch(`${url}/events/aws`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: files[i],
        });
        if (res.status !== 200) return false;
        const body = (await res.json()) as { accepted: number; duplicates: number };
        accepted += body.accepted;
        duplicates += body.duplicates;
        return true;
      } catch {
        return false;
      }
    };
    const unacked = new Set(files.keys());
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!killed && next < files.length) {
          const i = next++;
          if (await post(i)) unacked.delete(i);
          if (!killed && unacked.size <= files.length / 2) {
            killed = true;
            first.child.kill("SIGKILL");
          }
        }
      }),
    );
    await exited(first.child);
    const tKill = Date.now();
    const dbPath = join(dataDir, "immune.db");
    const crashed = new SqliteStore(dbPath);
    const atKill = await crashed.inboxCounts();
    await crashed.close();
    expect(atKill.pending).toBeGreaterThan(0);

    const second = startServer(port, dataDir);
    procs.push(second);
    await waitUntil("second start", () => readyz(url), 60_000);
    const t0 = Date.now();
    const startMs = [tKill - tStart, t0 - tKill];
    for (const i of [...unacked]) expect(await post(i)).toBe(true);
    // A file durably stored by the killed server but never answered comes back as duplicates:
    // every record is counted once, as new or as already held, and none beyond the in-flight files.
    expect(accepted + duplicates).toBe(EVENTS);
    expect(duplicates).toBeLessThanOrEqual(4 * 200);
    await waitUntil(
      "backlog to drain",
      async () => {
        const r = await readyz(url);
        return r && r.backlog === 0 ? r : null;
      },
      120_000,
    );
    const drainMs = Date.now() - t0;
    second.child.kill("SIGTERM");
    await exited(second.child);

    const store = new SqliteStore(dbPath);
    try {
      expect(await store.inboxCounts()).toEqual({ pending: 0, done: EVENTS, dead: 0 });
      const retried = (await store.listInbox({ status: "done", limit: EVENTS })).filter(
        (r) => r.attempts > 1,
      );

      const incidents = (await store.query<Incident>("incidents", { limit: 100_000 })).map((d) => d.data);
      const expectedGroups = new Set(events.map((e) => e.key));
      expect(incidents).toHaveLength(expectedGroups.size);

      // Every event on exactly one incident, its findings there once.
      const seen = new Map<string, number>();
      for (const inc of incidents) {
        for (const id of inc.eventIds) seen.set(id, (seen.get(id) ?? 0) + 1);
        const findingIds = inc.findings.map((f) => f.id);
        expect(new Set(findingIds).size).toBe(findingIds.length);
      }
      expect(seen.size).toBe(EVENTS);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const findingEvents = new Set(incidents.flatMap((i) => i.findings.map((f) => f.eventId)));
      expect(findingEvents.size).toBe(EVENTS);

      console.log(
        `restart: killed with ${atKill.pending} pending and ${atKill.done} done` +
          ` (${duplicates} redelivered records stored once); ${retried.length} records were claimed again after` +
          ` the crash; first run (start + half the posts) ${startMs[0]} ms, restart ${startMs[1]} ms,` +
          ` rest posted and drained in ${drainMs} ms;` +
          ` ${incidents.length} incidents, ${incidents.reduce((n, i) => n + i.findings.length, 0)} findings`,
      );
    } finally {
      await store.close();
    }
  });
});
