import { z } from "zod";

/**
 * Inbound SailPoint shapes. ISC event triggers post their trigger input as the body (shapes from
 * the sailpoint-api-client typings: IdentityCreated, IdentityAttributesChanged, IdentityDeleted,
 * AccessRequestPostApproval, CertificationSignedOff). IdentityIQ has no standard webhook; its
 * lifecycle events arrive as {eventType, eventId, user} where user is an IdentityIQ SCIM 2.0 User.
 */

const IscRef = z.object({ type: z.string(), id: z.string(), name: z.string() });

/** Identity attributes ISC sends: email, department, title, manager, cloudLifecycleState, ... */
const IscAttributes = z.record(z.string(), z.unknown());

/** idn:identity-created and idn:identity-deleted share one input shape. */
export const IscIdentitySnapshotSchema = z.object({
  identity: IscRef.extend({ type: z.literal("IDENTITY") }),
  attributes: IscAttributes,
});
export type IscIdentitySnapshot = z.infer<typeof IscIdentitySnapshotSchema>;

const AttributeValue = z.union([
  z.string(),
  z.boolean(),
  z.array(z.string()),
  z.record(z.string(), z.unknown()),
  z.null(),
]);

export const IscIdentityAttributesChangedSchema = z.object({
  identity: IscRef.extend({ type: z.literal("IDENTITY") }),
  changes: z
    .array(
      z.object({
        attribute: z.string(),
        oldValue: AttributeValue.optional(),
        newValue: AttributeValue.optional(),
      }),
    )
    .min(1),
});
export type IscIdentityAttributesChanged = z.infer<typeof IscIdentityAttributesChangedSchema>;

export const IscAccessRequestDecidedSchema = z.object({
  accessRequestId: z.string(),
  requestedFor: z.array(IscRef),
  requestedItemsStatus: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string().nullish(),
      type: z.enum(["ACCESS_PROFILE", "ROLE", "ENTITLEMENT"]),
      operation: z.enum(["Add", "Remove"]),
      comment: z.string().nullish(),
      approvalInfo: z.array(
        z.object({
          approvalComment: z.string().nullish(),
          approvalDecision: z.enum(["APPROVED", "DENIED"]),
          approverName: z.string(),
          approver: IscRef,
        }),
      ),
    }),
  ),
  requestedBy: IscRef,
});
export type IscAccessRequestDecided = z.infer<typeof IscAccessRequestDecidedSchema>;

export const IscCertificationSignedOffSchema = z.object({
  certification: z.object({
    id: z.string(),
    name: z.string(),
    created: z.string(),
    modified: z.string().nullish(),
    campaignRef: z.object({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      campaignType: z.string().optional(),
      description: z.string().nullish(),
    }),
    phase: z.string(),
    due: z.string(),
    signed: z.string(),
    reviewer: IscRef.extend({ email: z.string().nullish() }),
    hasErrors: z.boolean(),
    completed: z.boolean(),
    decisionsMade: z.number(),
    decisionsTotal: z.number(),
    entitiesCompleted: z.number(),
    entitiesTotal: z.number(),
  }),
});
export type IscCertificationSignedOff = z.infer<typeof IscCertificationSignedOffSchema>;

/** Trigger ids as ISC names them; sent to us as ?trigger= or the X-SailPoint-Trigger header. */
export const IscTriggerIdSchema = z.enum([
  "idn:identity-created",
  "idn:identity-attributes-changed",
  "idn:identity-deleted",
  "idn:access-request-post-approval",
  "idn:certification-signed-off",
]);
export type IscTriggerId = z.infer<typeof IscTriggerIdSchema>;

const SCIM_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** IdentityIQ SCIM 2.0 User, the fields lifecycle needs. */
export const IiqScimUserSchema = z.object({
  id: z.string(),
  userName: z.string(),
  displayName: z.string().optional(),
  active: z.boolean().optional(),
  emails: z
    .array(z.object({ value: z.string(), type: z.string().optional(), primary: z.boolean().optional() }))
    .default([]),
  title: z.string().optional(),
  [SCIM_ENTERPRISE]: z
    .object({
      department: z.string().optional(),
      manager: z.object({ value: z.string().optional(), displayName: z.string().optional() }).optional(),
    })
    .optional(),
});
export type IiqScimUser = z.infer<typeof IiqScimUserSchema>;

export const IiqLifecycleEventSchema = z.object({
  source: z.literal("IdentityIQ").optional(),
  eventId: z.string().min(1),
  eventType: z.enum(["joiner", "mover", "leaver"]),
  timestamp: z.string(),
  user: IiqScimUserSchema,
  /** Mover: the attributes before the change, when IdentityIQ's rule sends them. */
  previous: z.object({ department: z.string().optional(), title: z.string().optional() }).optional(),
});
export type IiqLifecycleEvent = z.infer<typeof IiqLifecycleEventSchema>;

export function iiqEnterprise(u: IiqScimUser) {
  return u[SCIM_ENTERPRISE];
}
