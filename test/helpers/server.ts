import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Config } from "../../bot/config";
import { loadConfig, secretKeys } from "../../bot/config";
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

/**
 * Every test server's log lines also go to test-output/logs, and the secrets it was configured
 * with to a list beside them; test/globalSetup.ts scans the whole suite's logs for those secrets
 * (and for token-shaped strings) after the last test.
 */
export const SUITE_LOG_DIR = join(import.meta.dirname, "../../test-output/logs");

function suiteLogFile(): string {
  return join(SUITE_LOG_DIR, `server-${process.pid}.log`);
}

function recordSecretsUsed(config: Config): void {
  mkdirSync(SUITE_LOG_DIR, { recursive: true });
  const values = secretKeys()
    .map((k) => (config as Record<string, unknown>)[k])
    .filter((v): v is string => typeof v === "string" && v.length >= 6);
  for (const v of values) appendFileSync(join(SUITE_LOG_DIR, `secrets-${process.pid}.txt`), `${v}\n`);
}

/** Starts the real server on a free loopback port with a fresh data folder. */
export async function startTestServer(
  env: Record<string, string> = {},
  overrides: ServerOverrides & { dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "immune-test-"));
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env });
  recordSecretsUsed(config);
  const sink = new Writable({
    write(chunk, _enc, cb) {
      capturedLogs.push(chunk.toString());
      appendFileSync(suiteLogFile(), chunk);
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
