import type { Detector } from "../../detector";
import type { Severity } from "../../model";
import { GCP_DETAIL_CALLS } from "../../normalize/gcpAuditLog";
import { gcpDetails } from "../../normalize/gcpDetails";
import { sinkChange } from "./exampleRecords";

/**
 * A log sink (the export that feeds the SIEM or the archive) deleted, disabled, pointed at a
 * new destination, given a different filter, or given exclusions. With the sink's original
 * state (resourceOriginalState) the check compares before and after; without it, it trusts
 * the updateMask. Severity: high for delete, disable and destination change; medium for
 * filter or exclusion changes that may narrow what is exported.
 */
export const gcpLogSinkTampering: Detector = {
  id: "gcp-log-sink-tampering",
  title: "Log sink deleted, disabled or narrowed",
  category: "logging_tampering",
  severity: "high",
  sources: ["gcp"],
  calls: GCP_DETAIL_CALLS.sinkChange,
  match(event) {
    const s = gcpDetails(event)?.sinkChange;
    if (!event.success || !s || s.operation === "create") return [];
    const reasons: { why: string; severity: Severity }[] = [];
    if (s.operation === "delete") reasons.push({ why: "deleted", severity: "high" });
    else {
      const mask = new Set(s.updateMask ?? []);
      const touched = (f: string) => mask.size === 0 || mask.has(f);
      const before = s.before;
      if (s.disabled === true && touched("disabled") && before?.disabled !== true)
        reasons.push({ why: "disabled", severity: "high" });
      if (s.destination && before?.destination && s.destination !== before.destination)
        reasons.push({
          why: `destination changed from ${before.destination} to ${s.destination}`,
          severity: "high",
        });
      if (s.filter !== undefined && touched("filter") && (!before || before.filter !== s.filter))
        reasons.push({
          why:
            before?.filter !== undefined
              ? `filter changed from "${before.filter}" to "${s.filter}"`
              : `filter set to "${s.filter}"`,
          severity: "medium",
        });
      const known = new Set((before?.exclusions ?? []).filter((x) => !x.disabled).map((x) => x.name));
      const added = (s.exclusions ?? []).filter((x) => !x.disabled && !known.has(x.name));
      if (added.length && touched("exclusions"))
        reasons.push({
          why: `exclusion(s) added: ${added.map((x) => x.name).join(", ")}`,
          severity: "medium",
        });
    }
    if (!reasons.length) return [];
    const severity: Severity = reasons.some((r) => r.severity === "high") ? "high" : "medium";
    const sinkShort = s.sinkName.split("/").pop();
    return [
      {
        severity,
        summary: `${event.actor.display} ${s.operation === "delete" ? "deleted" : "changed"} log sink ${sinkShort}: ${reasons.map((r) => r.why).join("; ")}`,
        evidence: {
          sink: s.sinkName,
          project: event.target.project,
          reasons: reasons.map((r) => r.why),
          destination: s.destination ?? event.target.id,
          before: s.before,
          actor: event.actor.id,
        },
      },
    ];
  },
  examples: {
    fire: [
      { name: "SIEM export sink deleted", record: sinkChange("Delete", "audit-to-siem") },
      {
        name: "sink disabled",
        record: sinkChange("Update", "audit-to-siem", {
          sink: { disabled: true },
          before: { filter: 'logName:"cloudaudit.googleapis.com"', disabled: false },
        }),
      },
      {
        name: "sink filter narrowed to exclude IAM",
        record: sinkChange("Update", "audit-to-siem", {
          sink: {
            filter:
              'logName:"cloudaudit.googleapis.com" AND NOT protoPayload.serviceName="iam.googleapis.com"',
          },
          before: { filter: 'logName:"cloudaudit.googleapis.com"' },
        }),
      },
      {
        name: "exclusion added to a sink",
        record: sinkChange("Update", "audit-to-siem", {
          sink: {
            exclusions: [{ name: "skip-iam", filter: 'protoPayload.serviceName="iam.googleapis.com"' }],
          },
        }),
      },
    ],
    quiet: [
      {
        name: "sink description edited",
        record: sinkChange("Update", "audit-to-siem", { sink: { description: "Audit logs to the SIEM" } }),
      },
      {
        name: "sink re-enabled",
        record: sinkChange("Update", "audit-to-siem", {
          sink: { disabled: false },
          before: { disabled: true },
        }),
      },
      { name: "new sink created", record: sinkChange("Create", "audit-archive") },
    ],
  },
};
