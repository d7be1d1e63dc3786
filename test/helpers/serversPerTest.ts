import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { TestServer } from "./server";
import { startTestServer } from "./server";

/**
 * For test files that start servers (and keep data folders across restarts) of their own: every
 * server started through it is closed, and every folder removed, after each test. Closing a
 * server twice is harmless, so a test may also close one itself to restart on the same folder.
 */
export function serversPerTest() {
  const started: TestServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    async start(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
      const s = await startTestServer(...args);
      started.push(s);
      return s;
    },
    dataDir(prefix: string): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}
