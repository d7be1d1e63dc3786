import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

/**
 * The real server (`immune start`, what `npm start` runs) as a child process, for tests where a
 * process must die (SIGKILL) or two must run side by side. Its output goes to the suite's log
 * folder with the secrets it was given, so test/globalSetup.ts scans child logs for secrets too.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const LOG_DIR = join(ROOT, "test-output/logs");

export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** The last lines it printed (stdout and stderr), for failure messages. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === "object" ? res(addr.port) : rej(new Error("no port"))));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once("exit", () => res());
  });
}

/** Polls `fn` until it returns a truthy value; throws naming `what` after `ms`. */
export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms: number,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Readiness {
  status: string;
  backlog: number;
  deadLetters: number;
}

export async function readyz(url: string): Promise<Readiness | null> {
  try {
    const res = await fetch(`${url}/readyz`);
    return (await res.json()) as Readiness;
  } catch {
    return null;
  }
}

/**
 * Starts `immune start` with exactly `env` (plus PATH/HOME, a free port on loopback) and
 * resolves once /readyz answers. `secrets` are the values to scan the logs for afterwards.
 */
export async function startChildServer(
  env: Record<string, string>,
  opts: { port?: number; secrets?: string[]; startMs?: number } = {},
): Promise<ChildServer> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(LOG_DIR, { recursive: true });
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 6);
  if (secrets.length) appendFileSync(join(LOG_DIR, `secrets-${process.pid}.txt`), `${secrets.join("\n")}\n`);
  const child = spawn(process.execPath, ["--import", "tsx", "bin/immune.ts", "start"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logFile = join(LOG_DIR, `child-${process.pid}-${port}-${Date.now()}.log`);
  const tail: string[] = [];
  const keep = (b: Buffer) => {
    appendFileSync(logFile, b);
    tail.push(b.toString());
    if (tail.length > 100) tail.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const server: ChildServer = {
    url,
    port,
    child,
    output: () => tail.join(""),
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
  try {
    await waitUntil(
      "the server to answer /readyz",
      () => {
        if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
        return readyz(url);
      },
      opts.startMs ?? 60_000,
    );
  } catch (err) {
    await server.kill();
    throw new Error(`${(err as Error).message}\n${server.output()}`);
  }
  return server;
}
