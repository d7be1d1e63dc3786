import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AwsPolicyDocumentSchema } from "../../detection/awsPolicy";
import { CloudTrailRecordSchema, normalizeCloudTrailRecord } from "../../detection/normalize/awsCloudTrail";
import { AwsDetailsSchema } from "../../detection/normalize/awsDetails";
import { fastParser } from "../../detection/normalize/fastParse";
import {
  AuditLogSchema,
  GcpLogEntrySchema,
  normalizeGcpLogEntry,
} from "../../detection/normalize/gcpAuditLog";
import { GcpDetailsSchema, GcpPolicySchema } from "../../detection/normalize/gcpDetails";
import { awsPublicBucketPolicyRecord, gcpPublicBucketEntry } from "../helpers/fixtures";
import { mutate, wrongValue } from "../helpers/mutateJson";

/**
 * The compiled check in front of zod must never accept what zod refuses, and what it accepts
 * must be exactly what zod would have returned: otherwise a malformed record would slip past
 * the normalizers, or an event would read differently than before.
 */

const gcpEntry = gcpPublicBucketEntry({ insertId: "fast-1" });
const awsRecord = awsPublicBucketPolicyRecord({ eventID: "fast-2" });
const cases: [string, z.ZodType, () => unknown][] = [
  ["CloudTrail record", CloudTrailRecordSchema, () => awsPublicBucketPolicyRecord({ eventID: "fast-2" })],
  ["LogEntry", GcpLogEntrySchema, () => gcpPublicBucketEntry({ insertId: "fast-1" })],
  [
    "AuditLog",
    AuditLogSchema,
    () => (gcpPublicBucketEntry({ insertId: "fast-1" }) as { protoPayload: unknown }).protoPayload,
  ],
  ["GCP details", GcpDetailsSchema, () => normalizeGcpLogEntry(gcpEntry).details],
  [
    "AWS policy document",
    AwsPolicyDocumentSchema,
    () => ({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Read",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
        },
        {
          Effect: "Deny",
          NotAction: ["s3:Get*"],
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    }),
  ],
  ["AWS details", AwsDetailsSchema, () => normalizeCloudTrailRecord(awsRecord).details],
];

/** Same verdict as zod; same data (the input itself when the check accepted). */
function agrees(schema: z.ZodType, value: unknown): void {
  const fast = fastParser(schema)(value);
  const slow = schema.safeParse(value);
  expect(fast.success).toBe(slow.success);
  if (fast.success && slow.success) expect(fast.data).toEqual(slow.data);
  else expect(fast.error?.issues).toEqual(slow.error?.issues);
}

describe("fastParser", () => {
  it.each(cases)("compiles the whole %s schema and takes valid values as they are", (_n, schema, make) => {
    const parse = fastParser(schema);
    expect(parse.unsupported).toEqual([]);
    const value = make();
    const r = parse(value);
    expect(r.success).toBe(true);
    expect(r.data).toBe(value);
    expect(r.data).toEqual(schema.parse(value));
  });

  it.each(cases)("%s with any field replaced: same verdict and data as zod", (_n, schema, make) => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), wrongValue, (where, value) => {
        agrees(schema, mutate(make(), where, value));
      }),
      { numRuns: 300 },
    );
  });

  it("leaves defaults, own __proto__ keys and undeclared keys of strict objects to zod", () => {
    const policy = { bindings: [{ role: "roles/viewer" }] };
    expect(fastParser(GcpPolicySchema)(policy).data).toEqual({
      bindings: [{ role: "roles/viewer", members: [] }],
    });
    const withProto = JSON.parse('{"eventSource":"s3.amazonaws.com","__proto__":{"x":1}}');
    agrees(CloudTrailRecordSchema, withProto);
    // Nested, in a loose object and in a record; and objects whose prototype is not Object's.
    const nested = awsPublicBucketPolicyRecord({ eventID: "fast-3" }) as Record<string, unknown>;
    nested.userIdentity = JSON.parse('{"type":"IAMUser","__proto__":{"arn":"x"}}');
    agrees(CloudTrailRecordSchema, nested);
    nested.userIdentity = { type: "IAMUser" };
    nested.requestParameters = JSON.parse('{"bucketName":"b","__proto__":1}');
    agrees(CloudTrailRecordSchema, nested);
    nested.requestParameters = Object.assign(Object.create(null), { bucketName: "b" });
    agrees(CloudTrailRecordSchema, nested);
    agrees(z.looseObject({ a: z.string() }), Object.assign(Object.create(null), { a: "x" }));
    const strict = z.object({ a: z.string() });
    expect(fastParser(strict)({ a: "x", b: 1 }).data).toEqual({ a: "x" });
    agrees(z.object({ a: z.string() }).strict(), { a: "x", b: 1 });
  });

  it("tells absent keys from undefined ones as zod does", () => {
    const s = z.object({ req: z.unknown(), opt: z.string().optional(), def: z.string().default("d") });
    for (const v of [
      {},
      { req: 1 },
      { req: undefined },
      { req: 1, opt: undefined },
      { req: 1, def: undefined },
    ])
      agrees(s, v);
  });

  it("takes canonical UTC times only where zod's datetime format does", () => {
    for (const schema of [
      z.iso.datetime(),
      z.iso.datetime({ offset: true }),
      z.iso.datetime({ precision: 3 }),
    ])
      for (const t of [
        "2026-11-02T08:00:00Z",
        "2026-11-02T08:00:00.123Z",
        "2024-02-30T00:00:00Z",
        "2026-11-02T08:00Z",
      ])
        agrees(z.object({ t: schema }), { t });
  });

  it("runs refinements, formats and unions as zod does", () => {
    const s = z.object({
      when: z.iso.datetime({ offset: true }),
      n: z.number().int(),
      u: z.union([z.string().min(2), z.number()]),
      r: z.string().refine((x) => x.startsWith("ok"), "must start with ok"),
      rec: z.record(z.string(), z.string()),
    });
    const good = { when: "2026-11-02T08:00:00Z", n: 3, u: "ab", r: "okay", rec: { a: "b" } };
    expect(fastParser(s)(good).data).toBe(good);
    for (const bad of [
      { ...good, when: "2026-11-02 08:00" },
      { ...good, n: 1.5 },
      { ...good, u: "a" },
      { ...good, r: "nope" },
      { ...good, rec: { a: 1 } },
      { ...good, n: Number.NaN },
    ])
      agrees(s, bad);
  });
});
