import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

/**
 * The real server (`immune start`, what `npm start` runs, configured by environment only) and
 * the Firestore emulator as child processes: for tests where a process must die (SIGKILL) or
 * two must run side by side, and for the benchmarks, which load the server without sharing its
 * event loop and read its memory and CPU. A test server's output goes to the suite's log folder
 * with the secrets it was given, so test/globalSetup.ts scans child logs for secrets too.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const LOG_DIR = join(ROOT, "test-output/logs");
/** The tail of the child's output kept in memory: enough to explain a failure, bounded under load. */
const OUTPUT_KEPT = 64 * 1024;
/** USER_HZ: /proc reports CPU times in these ticks per second (100 on Linux). */
const CLOCK_TICKS = 100;

export interface ChildServer {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The last of what it printed (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends `signal` (SIGKILL: a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful: in-flight requests finish), SIGKILL after `timeoutMs`; the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Resident set size of the child and its processes (WEB_PROCESSES) now, in MB (Linux /proc). */
  rssMb(): number;
  /** CPU time the child and its processes have used so far (user + system), in ms (Linux /proc). */
  cpuMs(): number;
  /** The server's processes: the child's pid, then its web processes' (WEB_PROCESSES > 0). */
  pids(): number[];
  /** Resident set size of each of pids(), in MB, in the same order. */
  rssByProcessMb(): number[];
}

export interface ChildServerOptions {
  port?: number;
  /** Values to scan the suite's logs for afterwards (see test/globalSetup.ts). */
  secrets?: string[];
  /** How long to wait for /readyz. */
  startMs?: number;
  /** Extra node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Copy the output to the suite's log folder (tests: yes; the benchmarks keep only the tail). */
  logToSuite?: boolean;
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
 * Starts `immune start` with exactly `env` (plus PATH, HOME, TMPDIR, LANG and a free port on
 * loopback: a test's own environment must not leak in) and resolves once /readyz answers.
 */
export async function startChildServer(
  env: Record<string, string>,
  opts: ChildServerOptions = {},
): Promise<ChildServer> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logToSuite = opts.logToSuite ?? true;
  if (logToSuite) mkdirSync(LOG_DIR, { recursive: true });
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 6);
  if (logToSuite && secrets.length)
    appendFileSync(join(LOG_DIR, `secrets-${process.pid}.txt`), `${secrets.join("\n")}\n`);
  const base: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), "--import", "tsx", "bin/immune.ts", "start"],
    {
      cwd: ROOT,
      env: { ...base, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logFile = join(LOG_DIR, `child-${process.pid}-${port}-${Date.now()}.log`);
  let tail = "";
  const keep = (b: Buffer) => {
    if (logToSuite) appendFileSync(logFile, b);
    tail = (tail + b.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pid = child.pid as number;
  const server: ChildServer = {
    url,
    port,
    pid,
    child,
    output: () => tail,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
    async stop(timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        await exited(child);
        clearTimeout(timer);
      }
      return child.exitCode;
    },
    // Not esbuild's service process (tsx transforms through it), which the tree also holds.
    pids: () => processTree(pid).filter((p) => readProc(p, "cmdline")?.includes("bin/immune.ts")),
    rssByProcessMb() {
      return server
        .pids()
        .map((p) => Number(/VmRSS:\s+(\d+)/.exec(readProc(p, "status") ?? "")?.[1] ?? 0) / 1024);
    },
    rssMb() {
      let kb = 0;
      for (const p of processTree(pid)) {
        const status = readProc(p, "status");
        kb += Number(/VmRSS:\s+(\d+)/.exec(status ?? "")?.[1] ?? 0);
      }
      return kb / 1024;
    },
    cpuMs() {
      let ticks = 0;
      for (const p of processTree(pid)) {
        // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks.
        const stat = readProc(p, "stat");
        if (!stat) continue;
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
      }
      return (ticks * 1000) / CLOCK_TICKS;
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

export interface ChildFirestoreEmulator {
  /** host:port for FIRESTORE_EMULATOR_HOST. */
  host: string;
  pid: number;
  stop(): Promise<void>;
}

/** @firestore-emulator/server in its own process (firestoreEmulatorMain.ts). */
export async function startChildFirestoreEmulator(): Promise<ChildFirestoreEmulator> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/helpers/firestoreEmulatorMain.ts")],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start; output:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-OUTPUT_KEPT);
      const m = /FIRESTORE_EMULATOR_HOST=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited(child).then(() => {
      clearTimeout(timer);
      reject(new Error(`emulator exited before listening; output:\n${out}`));
    });
  });
  return {
    host,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined; // exited meanwhile
  }
}

/** `root` and every live process descending from it (Linux /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProc(Number(name), "stat");
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = readProc(root, "stat") ? [root] : [];
  for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}
