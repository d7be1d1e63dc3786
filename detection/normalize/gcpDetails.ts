import { z } from "zod";
import type { IamEvent } from "../model";
import { detailsReader } from "./detailsReader";

/**
 * The typed part of IamEvent.details for GCP events (written by gcpAuditLog.ts). Detectors
 * read it through gcpDetails(event), never by poking at the raw record.
 */

export const GcpPolicySchema = z.looseObject({
  version: z.number().optional(),
  etag: z.string().optional(),
  bindings: z
    .array(
      z.looseObject({
        role: z.string(),
        members: z.array(z.string()).default([]),
        condition: z
          .looseObject({ expression: z.string().optional(), title: z.string().optional() })
          .optional(),
      }),
    )
    .optional(),
  auditConfigs: z
    .array(
      z.looseObject({
        service: z.string(),
        auditLogConfigs: z
          .array(
            z.looseObject({
              logType: z.string().optional(),
              exemptedMembers: z.array(z.string()).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
export type GcpPolicy = z.infer<typeof GcpPolicySchema>;

const GrantLike = z.object({ role: z.string(), member: z.string(), condition: z.string().optional() });

export const GcpDetailsSchema = z.object({
  /** Which audit log stream: Admin Activity, Data Access, System Event, Policy Denied. */
  logType: z.enum(["activity", "data_access", "system_event", "policy", "other"]),
  logName: z.string(),
  resourceType: z.string(),
  resourceLabels: z.record(z.string(), z.string()).default({}),
  resourceName: z.string().optional(),
  /** google.rpc.Code of the call; 0 = OK. */
  statusCode: z.number().default(0),
  /** authorizationInfo entries with granted=false. */
  deniedPermissions: z.array(z.string()).default([]),
  /** True when the entry carried binding deltas (policyDelta / BigQuery datasetChange). */
  bindingDeltasKnown: z.boolean().default(false),
  /** serviceData.policyDelta.auditConfigDeltas. */
  auditConfigDeltas: z
    .array(
      z.object({
        action: z.string(),
        service: z.string(),
        logType: z.string().optional(),
        exemptedMember: z.string().optional(),
      }),
    )
    .optional(),
  /** request.policy: the full policy the caller asked for. */
  policyRequested: GcpPolicySchema.optional(),
  /** response.policy (or request.policy when no response): the policy in force afterwards. */
  policyAfter: GcpPolicySchema.optional(),
  principalSubject: z.string().optional(),
  /** The key the caller authenticated with (authenticationInfo.serviceAccountKeyName). */
  serviceAccountKeyName: z.string().optional(),
  /** Grants a failed call tried to make: never reported as granted. */
  attemptedGrants: z.array(GrantLike).optional(),
  serviceAccountKey: z
    .object({
      operation: z.enum(["create", "upload", "disable", "enable", "delete"]),
      serviceAccount: z.string(),
      /** projects/P/serviceAccounts/EMAIL/keys/KEYID, when the log carries it. */
      keyName: z.string().optional(),
      keyType: z.string().optional(),
      keyOrigin: z.string().optional(),
    })
    .optional(),
  serviceAccountLifecycle: z
    .object({
      operation: z.enum(["create", "delete", "disable", "enable", "undelete"]),
      email: z.string().optional(),
      uniqueId: z.string().optional(),
    })
    .optional(),
  customRole: z
    .object({
      name: z.string(),
      title: z.string().optional(),
      stage: z.string().optional(),
      includedPermissions: z.array(z.string()),
    })
    .optional(),
  /** IAM Credentials API call: who was impersonated and how. */
  impersonation: z
    .object({
      operation: z.string(),
      serviceAccount: z.string(),
      delegates: z.array(z.string()).optional(),
      scopes: z.array(z.string()).optional(),
      lifetime: z.string().optional(),
    })
    .optional(),
  sinkChange: z
    .object({
      operation: z.enum(["create", "update", "delete"]),
      sinkName: z.string(),
      destination: z.string().optional(),
      filter: z.string().optional(),
      disabled: z.boolean().optional(),
      exclusions: z
        .array(z.object({ name: z.string(), filter: z.string().optional(), disabled: z.boolean() }))
        .optional(),
      updateMask: z.array(z.string()).optional(),
      /** protoPayload.resourceOriginalState, when the service recorded it. */
      before: z
        .object({
          destination: z.string().optional(),
          filter: z.string().optional(),
          disabled: z.boolean().optional(),
          exclusions: z
            .array(z.object({ name: z.string(), filter: z.string().optional(), disabled: z.boolean() }))
            .optional(),
        })
        .optional(),
    })
    .optional(),
  exclusionChange: z
    .object({
      operation: z.enum(["create", "update", "delete"]),
      name: z.string(),
      filter: z.string().optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
});
export type GcpDetails = z.infer<typeof GcpDetailsSchema>;

/** The typed GCP details of an event, or undefined for other sources or foreign details. */
export function gcpDetails(event: IamEvent): GcpDetails | undefined {
  if (event.source !== "gcp") return undefined;
  return readGcpDetails(event);
}
const readGcpDetails = detailsReader(GcpDetailsSchema);

/** The normalizer's word that an event's details are the GcpDetails it just built and checked. */
export function knownGcpDetails(event: IamEvent, details: GcpDetails): void {
  readGcpDetails.known(event, details);
}
