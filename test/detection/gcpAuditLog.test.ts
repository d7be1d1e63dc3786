import { describe, expect, it } from "vitest";
import { normalizeGcpLogEntry } from "../../detection/normalize/gcpAuditLog";
import type { GcpDetails } from "../../detection/normalize/gcpDetails";
import { gcpPublicBucketEntry } from "../helpers/fixtures";

/**
 * What the GCP normalizer reads from an entry's logName and resource, for the names Cloud
 * Logging writes (the log id's slash URL-encoded) and for the ones it reads by decoding.
 */
function entryWith(logName: string, resourceType = "gcs_bucket") {
  const e = gcpPublicBucketEntry();
  return { ...e, logName, resource: { ...e.resource, type: resourceType } };
}

describe("normalizeGcpLogEntry", () => {
  it.each([
    ["projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity", "activity"],
    ["organizations/123/logs/cloudaudit.googleapis.com%2Fdata_access", "data_access"],
    ["folders/456/logs/cloudaudit.googleapis.com%2Fsystem_event", "system_event"],
    ["projects/acme-prod/logs/cloudaudit.googleapis.com%2Fpolicy", "policy"],
    // Decoded slashes and other escapes are read through decoding, as before.
    ["projects/acme-prod/logs/cloudaudit.googleapis.com/activity", "activity"],
    ["projects/acme%2Dprod/logs/cloudaudit.googleapis.com%2Factivity", "activity"],
    ["projects/acme-prod/logs/cloudaudit.googleapis.com%2fdata_access", "data_access"],
    ["projects/acme-prod/logs/x%2Fcloudaudit.googleapis.com/policy", "policy"],
    ["projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity2", "other"],
    ["projects/acme-prod/logs/syslog", "other"],
  ])("reads the log type of %s", (logName, logType) => {
    const details = normalizeGcpLogEntry(entryWith(logName)).details as GcpDetails;
    expect(details.logType).toBe(logType);
    expect(details.logName).toBe(logName);
  });

  it("refuses a logName whose escapes do not decode", () => {
    expect(() =>
      normalizeGcpLogEntry(entryWith("projects/%ZZ/logs/cloudaudit.googleapis.com%2Factivity")),
    ).toThrow(URIError);
  });

  it.each([
    ["organizations/123", "organization"],
    ["folders/456", "folder"],
    ["projects/acme-prod", "project"],
    ["projects/_", "resource"],
    ["projects/-", "resource"],
    ["projects/", "resource"],
    ["projects/acme-prod/buckets", "resource"],
    ["organizationsX/123", "resource"],
    ["/projects", "resource"],
  ])("reads the target level of resource name %s", (resourceName, level) => {
    const e = entryWith("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity", "project");
    const event = normalizeGcpLogEntry({ ...e, protoPayload: { ...e.protoPayload, resourceName } });
    expect(event.target.level).toBe(level);
  });

  it.each([
    ["projects/acme-prod/topics/orders", "topic"],
    ["projects/acme-prod/zones/us-central1-a", "bucket"],
    ["projects/_/buckets/acme-prod-invoices", "bucket"],
    ["projects/_/buckets/b/objects/a/b.csv", "object"],
    ["secrets/x/", "bucket"],
    ["/topics", "bucket"],
    ["topics/x", "topic"],
  ])("reads the target kind of resource name %s", (resourceName, kind) => {
    const e = entryWith("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity");
    const event = normalizeGcpLogEntry({ ...e, protoPayload: { ...e.protoPayload, resourceName } });
    expect(event.target.kind).toBe(kind);
  });

  it("names the target kind from the resource name, else the resource type, else the type itself", () => {
    const bucket = normalizeGcpLogEntry(
      entryWith("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity"),
    );
    expect(bucket.target.kind).toBe("bucket");
    const e = entryWith("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity", "constructor");
    const odd = normalizeGcpLogEntry({ ...e, protoPayload: { ...e.protoPayload, resourceName: "x" } });
    expect(odd.target.kind).toBe("constructor");
  });
});
