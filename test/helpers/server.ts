import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../bot/config";
import { createLogger } from "../../bot/logger";
import type { ImmuneServer, ServerOverrides } from "../../bot/server";
import { createImmuneServer } from "../../bot/server";

/** Everything the server logged during a test, for assertions (and the secrets scan). */
export const capturedLogs: string[] = [];

export interface TestServer {
  url: string;
  server: ImmuneServer;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the real server on a free loopback port with a fresh data folder. */
export async function startTestServer(
  env: Record<string, string> = {},
  overrides: ServerOverrides & { dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "immune-test-"));
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env });
  const sink = new Writable({
    write(chunk, _enc, cb) {
      capturedLogs.push(chunk.toString());
      cb();
    },
  });
  const server = await createImmuneServer(config, { logger: createLogger("info", sink), ...overrides });
  const addr = await server.listen();
  return {
    url: addr.url,
    server,
    dataDir,
    async close() {
      await server.close();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}
