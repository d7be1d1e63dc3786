import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../integrations/store/sqliteStore";

/**
 * WAL checkpoints run in a worker thread instead of inside a commit on the event loop: the
 * data still reaches the database file, the WAL stays small under steady writes, and nothing
 * is lost across a reopen.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const MB = 1024 * 1024;

describe("SQLite checkpoints off the event loop", () => {
  it("keeps the WAL bounded while 24 MB are written, and every document survives a reopen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "immune-ckpt-"));
    dirs.push(dir);
    const path = join(dir, "immune.db");
    const store = new SqliteStore(path, { checkpointAfterWrites: 1, checkpointEveryMs: 20 });
    const body = "x".repeat(8 * 1024);
    let maxWal = 0;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) await store.set("usage", `doc-${round}-${i}`, { round, i, body });
      // An inbox write: answered only once the WAL is fsynced.
      await store.putInbox([{ id: `r${round}`, source: "gcp", payload: "{}", receivedAt: new Date() }]);
      await new Promise((r) => setTimeout(r, 40));
      maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
    }
    expect(store.checkpointStatus?.ok).toBe(true);
    expect(maxWal).toBeLessThan(12 * MB);
    expect(statSync(path).size).toBeGreaterThan(12 * MB);
    await store.close();

    const again = new SqliteStore(path);
    try {
      const docs = await again.query<{ round: number }>("usage", { limit: 10_000 });
      expect(docs.length).toBe(3000);
      expect((await again.inboxCounts()).pending).toBe(30);
    } finally {
      await again.close();
    }
  });
});
