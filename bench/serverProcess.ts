import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The real server as its own process, started the way production starts it
 * (`node --import tsx bin/immune.ts start`, configured by environment variables only), so a
 * test or benchmark can load it, SIGKILL it, restart it on the same data, or read its memory,
 * without sharing an event loop with it. Port 0 is the default: the child prints the port it
 * bound, which is read from its banner.
 */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface ChildServer {
  url: string;
  pid: number;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resident set size of the child now, in MB (Linux /proc). */
  rssMb(): number;
  /** CPU time the child has used so far (user + system), in ms (Linux /proc). */
  cpuMs(): number;
  /** SIGTERM (graceful: in-flight requests finish) and wait for exit. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL at once (a crash) and wait for exit. */
  kill(): Promise<void>;
  /** Stops the child if still running and removes a data folder this helper created. */
  close(): Promise<void>;
}

export interface ChildServerOptions {
  /** Reuse a data folder (a restart); otherwise a fresh temp folder, removed by close(). */
  dataDir?: string;
  /** Extra node flags before the script (e.g. --cpu-prof, --max-old-space-size=…). */
  nodeArgs?: string[];
  /** How long to wait for the "listening" banner. */
  startTimeoutMs?: number;
  /** Copy the child's output to this process's stderr as it comes (debugging). */
  echo?: boolean;
}

const OUTPUT_KEPT = 64 * 1024;
/** USER_HZ: /proc reports CPU times in these ticks per second (100 on Linux). */
const CLOCK_TICKS = 100;
const LISTENING = /IAM Immune listening on (http:\/\/\S+)/;

export async function startChildServer(
  env: Record<string, string> = {},
  opts: ChildServerOptions = {},
): Promise<ChildServer> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "immune-child-"));
  // Only what the server needs from the parent: a test's own env must not leak in.
  const base: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG", "NODE_OPTIONS"]) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  const proc = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), "--import", "tsx", join(REPO_ROOT, "bin/immune.ts"), "start"],
    {
      cwd: REPO_ROOT,
      env: { ...base, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child server did not start in time; output:\n${out.slice(-4000)}`)),
      opts.startTimeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      // The tail is enough to explain a failure; a long load run must not grow it forever.
      out = (out + text).slice(-OUTPUT_KEPT);
      if (opts.echo) process.stderr.write(text);
      const m = LISTENING.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited (${code}) before listening; output:\n${out.slice(-4000)}`));
    });
  });
  const pid = proc.pid as number;
  const stop = async (timeoutMs = 20_000): Promise<number | null> => {
    if (!running) return proc.exitCode;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    url,
    pid,
    dataDir,
    proc,
    output: () => out,
    rssMb: () => {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      return kb / 1024;
    },
    cpuMs: () => {
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    stop,
    async kill() {
      if (!running) return;
      proc.kill("SIGKILL");
      await exited;
    },
    async close() {
      await stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildFirestoreEmulator {
  /** host:port for FIRESTORE_EMULATOR_HOST. */
  host: string;
  pid: number;
  stop(): Promise<void>;
}

/** @firestore-emulator/server in its own process (see firestoreEmulatorMain.ts). */
export async function startChildFirestoreEmulator(): Promise<ChildFirestoreEmulator> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "test/helpers/firestoreEmulatorMain.ts")],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  let out = "";
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start; output:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /FIRESTORE_EMULATOR_HOST=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`emulator exited before listening; output:\n${out}`));
    });
  });
  return {
    host,
    pid: proc.pid as number,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
