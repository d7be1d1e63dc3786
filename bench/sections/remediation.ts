import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Responder } from "../../bot/incidentActions";
import type { Incident } from "../../detection/model";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { createGcpClients } from "../../remediation/gcpClients";
import { gcpExecutors } from "../../remediation/gcpExecutor";
import { planRemediation } from "../../remediation/plan";
import { defaultPolicy } from "../../remediation/policy";
import { RemediationIncidentActions } from "../../remediation/remediationIncidentActions";
import { startGoogleApiStandIn } from "../../test/helpers/googleApiStandIn";
import { CapturingChannel, openIncident, publicBucketFinding } from "../../test/helpers/remediationFixtures";
import type { BenchFigure, BenchSection } from "../section";
import { median, percentile } from "../section";

/**
 * Remediation engine overhead: approve → remediated for a public-bucket plan against a loopback
 * stand-in for the Google APIs (so the figure is our cost: store CAS, step claim, read-modify-
 * write, audit, card), and how many executions a burst of concurrent presses from two
 * "replicas" (two store connections to one database) produces.
 */
export const remediationSection: BenchSection = {
  name: "remediation",
  title: "Remediation: approve → remediated latency, and concurrent presses → executions",
  async run(log) {
    const google = await startGoogleApiStandIn();
    const dir = mkdtempSync(join(tmpdir(), "immune-bench-rem-"));
    const policy = defaultPolicy({ mode: "enforce" });
    const channel = new CapturingChannel();
    const make = () => {
      const store = new SqliteStore(join(dir, "immune.db"));
      const executors = gcpExecutors(createGcpClients({ rootUrl: google.url }));
      return {
        store,
        actions: new RemediationIncidentActions({ store, executors, policy, channels: [channel] }),
      };
    };
    const a = make();
    const b = make();
    const who = (n: number): Responder => ({ platform: "slack", id: `U${n}`, approver: true });
    try {
      const seed = async (id: string, bucket: string) => {
        google.setPolicy(`projects/_/buckets/${bucket}`, {
          version: 1,
          bindings: [
            { role: "roles/storage.objectViewer", members: ["allUsers", "projectViewer:acme-prod"] },
            { role: "roles/storage.legacyBucketOwner", members: ["projectOwner:acme-prod"] },
          ],
        });
        const inc: Incident = openIncident(id, [publicBucketFinding(bucket, `gcp:${id}`)]);
        await a.store.set("incidents", id, { ...inc, plan: planRemediation(inc, policy) });
      };

      const N = 200;
      const ms: number[] = [];
      for (let i = 0; i < N; i++) {
        await seed(`lat-${i}`, `bench-lat-${i}`);
        const t0 = performance.now();
        const out = await a.actions.approve(`lat-${i}`, who(i));
        ms.push(performance.now() - t0);
        if (!out.ok) throw new Error(`bench remediation failed: ${out.message}`);
      }
      log(`${N} approvals, p50 ${median(ms).toFixed(1)} ms`);

      const BURSTS = 30;
      const PRESSES = 10;
      google.reset();
      let runs = 0;
      for (let i = 0; i < BURSTS; i++) {
        await seed(`burst-${i}`, `bench-burst-${i}`);
        const outs = await Promise.all(
          Array.from({ length: PRESSES }, (_, p) => (p % 2 ? a : b).actions.approve(`burst-${i}`, who(p))),
        );
        runs += outs.filter((o) => o.ok).length;
      }
      const writes = google.calls.filter((c) => c.method === "PUT").length;
      return [
        {
          key: "remediation.approve_to_remediated_p50_ms",
          value: median(ms),
          unit: "ms",
          label: "approve → remediated, median",
        },
        {
          key: "remediation.approve_to_remediated_p95_ms",
          value: percentile(ms, 95),
          unit: "ms",
          label: "approve → remediated, p95",
        },
        {
          key: "remediation.executions_per_burst",
          value: runs / BURSTS,
          label: `runs per incident when ${PRESSES} presses arrive at once on 2 replicas`,
          target: "= 1",
          pass: runs === BURSTS,
        },
        {
          key: "remediation.policy_writes_per_burst",
          value: writes / BURSTS,
          label: "setIamPolicy calls per incident in those bursts",
          target: "= 1",
          pass: writes === BURSTS,
        },
      ] satisfies BenchFigure[];
    } finally {
      await a.store.close();
      await b.store.close();
      await google.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
