import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { awsPublicBucketPolicyRecord, eventBridge } from "../helpers/fixtures";

const ROOT = join(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "immune-sigterm-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startBot(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/immune.ts", "start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      if (out.includes("listening on")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`bot exited (${code}) before listening: ${out}`)));
  });
}

describe("SIGTERM during load", () => {
  it("finishes in-flight requests and loses no accepted event", async () => {
    const port = await freePort();
    const bot = await startBot(port);
    const exited = new Promise<number | null>((resolve) => bot.once("exit", (code) => resolve(code)));
    const accepted: string[] = [];
    let refused = 0;
    let seq = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const eventID = `5e0c${String(seq++).padStart(4, "0")}-7d1f-4c3a-9b2e-0a1b2c3d4e5f`;
        const body = JSON.stringify(eventBridge(awsPublicBucketPolicyRecord({ eventID })));
        try {
          const res = await fetch(`http://127.0.0.1:${port}/events/aws`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          if (res.status === 200) accepted.push(`aws:${eventID}`);
          else refused++;
          await res.arrayBuffer();
        } catch {
          refused++;
          if (bot.exitCode !== null) return;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const senders = Array.from({ length: 8 }, () => sender());
    while (accepted.length < 300) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    bot.kill("SIGTERM");
    const code = await exited;
    // Drained well inside the grace period, not cut by it.
    expect(Date.now() - t0).toBeLessThan(10_000);
    stop = true;
    await Promise.all(senders);

    expect(code).toBe(0);
    // The load went on through the shutdown: later requests were turned away, not lost.
    expect(refused).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThanOrEqual(300);
    const store = new SqliteStore(join(dataDir, "immune.db"));
    try {
      const stored = new Set((await store.listInbox({ limit: 100_000 })).map((r) => r.id));
      const lost = accepted.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
