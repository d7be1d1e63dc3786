import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import type { Config } from "../bot/config";
import { ConfigError, loadConfig, secretKeys } from "../bot/config";
import { createLogger, registerSecrets } from "../bot/logger";
import { createImmuneServer, type ImmuneServer } from "../bot/server";
import { webhookSecurity } from "../bot/webhookSecurity";
import { isWebProcess, WebProcesses, webProcessOverrides } from "../bot/webProcesses";
import { allDetectors } from "../detection/detectors";
import { parseRiskWeights } from "../detection/risk";
import { importJml } from "../integrations/sailpoint/jmlProvision";
import { parsePositions } from "../integrations/sailpoint/lifecycleConfig";
import { createStore } from "../integrations/store/createStore";
import { createAwsClientFactory } from "../remediation/awsClients";
import { replay } from "./replay";
import { openInput, Scanner } from "./scan";
import { train } from "./train";

const USAGE = `immune — IAM Immune command line

  immune start                     run the server (what npm start runs)
  immune scan FILE… | -            scan CloudTrail / Cloud Audit Log files offline, one JSON line per event
  immune replay FILE --to URL      post sample events to a running server
  immune jml FILE.csv [--dry-run]  provision / move / deprovision AWS IAM users from a JML CSV
  immune train [FILE…]             train the anomaly model (on JSONL history files, else the inbox)
  immune help                      this text
`;

async function start(): Promise<void> {
  const config = loadConfig();
  registerSecrets(secretKeys().map((k) => (config as Record<string, unknown>)[k] as string | undefined));
  if (config.WEB_PROCESSES > 0 && isWebProcess()) return startWebProcess(config);
  let web: WebProcesses | undefined;
  let boundUrl: string | undefined;
  if (config.WEB_PROCESSES > 0) {
    // The web processes accept their connections themselves: a busy inbox process never
    // stands between a sender and its answer.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    const logger = createLogger(config.LOG_LEVEL);
    web = new WebProcesses(config.WEB_PROCESSES, (level, msg, extra) => logger[level](extra ?? {}, msg));
    const port = await web.start();
    const host = webhookSecurity(config).host;
    boundUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
  const server = await createImmuneServer(config, web ? { role: "inbox", boundUrl } : {});
  const addr = await server.listen();
  web?.attach({
    wake: () => server.processor.wake(),
    identitiesChanged: () => server.processor.invalidateIdentities(),
    metricsSnapshot: () => server.metricsSnapshot(),
  });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`IAM Immune listening on ${addr.url}`);
  if (web)
    out(
      `  processes: ${config.WEB_PROCESSES} answering requests, this one (pid ${process.pid}) working the inbox`,
    );
  out(`  store:     ${server.store.kind} (${server.store.location})`);
  out(`  channels:  ${server.channels.map((c) => c.name).join(", ") || "none"}`);
  out(`  webhooks:  POST ${addr.url}/events/gcp, POST ${addr.url}/events/aws`);
  out(`  health:    GET ${addr.url}/healthz, GET ${addr.url}/readyz, GET ${addr.url}/metrics`);
  for (const a of server.announcements) out(`  - ${a}`);
  for (const w of server.warnings) out(`\n  !!! ${w}\n`);
  stopOnSignals(out, async () => {
    // Requests in flight are committed first, then the inbox process finishes its batch.
    await web?.stop();
    await server.close();
  });
}

/** A web process (WEB_PROCESSES > 0): answers requests only; bot/webProcesses.ts. */
async function startWebProcess(config: Config): Promise<void> {
  const server: ImmuneServer = await createImmuneServer(config, webProcessOverrides());
  await server.listen();
  stopOnSignals(
    () => undefined,
    () => server.close(),
  );
}

function stopOnSignals(out: (s: string) => void, close: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`${signal}: finishing in-flight work…`);
    close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function scan(files: string[]): Promise<number> {
  if (files.length === 0) files = ["-"];
  const env = process.env;
  const scanner = new Scanner({
    detectors: allDetectors,
    allowedDomains: (env.ALLOWED_DOMAINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    internalAccounts: (env.INTERNAL_ACCOUNTS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    weights: parseRiskWeights(env.RISK_WEIGHTS ?? ""),
    productionPatterns: (env.PROD_PATTERNS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  });
  let status = 0;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  for (const file of files) {
    try {
      await scanner.scanStream(await openInput(file), write);
    } catch (err) {
      process.stderr.write(`immune scan: cannot read ${file}: ${(err as Error).message}\n`);
      status = 1;
    }
  }
  return status;
}

/** `immune jml FILE.csv [--dry-run]`: one line per row, exit 1 when any row failed. */
async function jml(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write("usage: immune jml FILE.csv [--dry-run]\n");
    return 2;
  }
  const config = loadConfig();
  const positions = parsePositions(config.JML_POSITIONS);
  if (!positions.size) {
    process.stderr.write("immune jml: set JML_POSITIONS (position=group1|group2,...) first\n");
    return 2;
  }
  const store = await createStore(config);
  try {
    const report = await importJml(
      readFileSync(file, "utf8"),
      {
        aws: createAwsClientFactory({
          assumeRoleArnTemplate: config.AWS_ASSUME_ROLE_ARN_TEMPLATE,
          region: config.AWS_REMEDIATION_REGION,
        }),
        account: config.JML_AWS_ACCOUNT,
        positions,
        store,
        now: () => new Date(),
        actor: "cli",
      },
      { dryRun: args.includes("--dry-run") || config.JML_DRY_RUN },
    );
    for (const r of report.results) {
      const what = r.error ?? (r.changes.join("; ") || "nothing to change");
      process.stdout.write(`line ${r.line}\t${r.username ?? "-"}\t${r.mode ?? "-"}\t${r.status}\t${what}\n`);
    }
    const c = report.counts;
    process.stdout.write(
      `${report.dryRun ? "dry run: " : ""}${c.changed} changed, ${c["would-change"]} would change, ${c.unchanged} unchanged, ${c.error} error(s)\n`,
    );
    return c.error ? 1 : 0;
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "start":
      await start();
      return -1;
    case "scan":
      return scan(rest);
    case "replay": {
      const toIdx = rest.indexOf("--to");
      const to = toIdx >= 0 ? rest[toIdx + 1] : undefined;
      const files = rest.filter((_, i) => i !== toIdx && i !== toIdx + 1);
      if (!to || files.length === 0) {
        process.stderr.write("usage: immune replay FILE --to URL\n");
        return 2;
      }
      let failed = 0;
      for (const f of files)
        failed += (await replay(f, to, process.env, (l) => process.stdout.write(`${l}\n`))).failed;
      return failed ? 1 : 0;
    }
    case "jml":
      return jml(rest);
    case "train": {
      const config = loadConfig();
      const store = await createStore(config);
      try {
        return await train(store, config, rest, (l) => process.stdout.write(`${l}\n`));
      } finally {
        await store.close();
      }
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`immune: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`immune: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
