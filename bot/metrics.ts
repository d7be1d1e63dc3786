import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { IntakeMetrics } from "../handlers/intake";

/** Prometheus metrics served at /metrics. One registry per server, so tests stay independent. */
export class Metrics implements IntakeMetrics {
  readonly registry = new Registry();
  readonly eventsReceived = new Counter({
    name: "immune_events_received_total",
    help: "Webhook requests received, by source.",
    labelNames: ["source"],
    registers: [this.registry],
  });
  readonly eventsAccepted = new Counter({
    name: "immune_events_accepted_total",
    help: "Events durably accepted into the inbox, by source.",
    labelNames: ["source"],
    registers: [this.registry],
  });
  readonly eventsRejected = new Counter({
    name: "immune_events_rejected_total",
    help: "Webhook requests rejected, by source and reason.",
    labelNames: ["source", "reason"],
    registers: [this.registry],
  });
  readonly pipelineLag = new Gauge({
    name: "immune_pipeline_lag_seconds",
    help: "Age of the oldest record in the last processed batch when it finished.",
    registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: "immune_inbox_backlog",
    help: "Inbox records by status (pending, dead).",
    labelNames: ["status"],
    registers: [this.registry],
  });
  readonly incidents = new Counter({
    name: "immune_incidents_total",
    help: "Incidents opened, by risk band.",
    labelNames: ["band"],
    registers: [this.registry],
  });
  readonly remediations = new Counter({
    name: "immune_remediations_total",
    help: "Remediation steps, by result (done, noop, failed, undone, dry_run).",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly chatErrors = new Counter({
    name: "immune_chat_api_errors_total",
    help: "Chat API calls that failed, by platform.",
    labelNames: ["platform"],
    registers: [this.registry],
  });
  readonly anomalyBaselines = new Gauge({
    name: "immune_anomaly_actor_baselines",
    help: "Actor behaviour baselines held in memory (the recently active ones; every baseline is in the store).",
    registers: [this.registry],
  });
  readonly modelAge = new Gauge({
    name: "immune_anomaly_model_age_seconds",
    help: "Age of the anomaly model in use (-1 when none is trained).",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "immune_" });
    this.modelAge.set(-1);
  }

  received(source: string): void {
    this.eventsReceived.inc({ source });
  }
  accepted(source: string, n: number): void {
    this.eventsAccepted.inc({ source }, n);
  }
  rejected(source: string, reason: string): void {
    this.eventsRejected.inc({ source, reason });
  }
}
