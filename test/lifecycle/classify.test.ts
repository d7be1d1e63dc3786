import { describe, expect, it } from "vitest";
import type { ClassifyOptions } from "../../integrations/sailpoint/lifecycleEvents";
import { classifySailpoint } from "../../integrations/sailpoint/lifecycleEvents";
import { ALICE_ID, aliceCreated, aliceMovedToSales, aliceTerminated } from "./fixtures";

const opts = (o: Partial<ClassifyOptions> = {}): ClassifyOptions => ({
  bodyHash: "ab12",
  leaverStates: ["inactive", "terminated"],
  now: new Date("2026-11-23T10:00:00Z"),
  ...o,
});

function change(body: unknown, o: Partial<ClassifyOptions> = {}) {
  const c = classifySailpoint(body, opts(o));
  if (!c.ok) throw new Error(c.problem);
  return c.change;
}

describe("SailPoint payload classification", () => {
  it("identity created → JOINER with the person's attributes", () => {
    const c = change(aliceCreated, { trigger: "idn:identity-created" });
    expect(c).toMatchObject({
      kind: "joiner",
      email: "alice@acme.com",
      department: "engineering",
      manager: "Mona Manager",
      sailpointId: ALICE_ID,
    });
  });

  it("identity deleted → LEAVER; a snapshot in a leaver state is a LEAVER even without the trigger", () => {
    expect(change(aliceCreated, { trigger: "idn:identity-deleted" }).kind).toBe("leaver");
    const inactive = {
      ...aliceCreated,
      attributes: { ...aliceCreated.attributes, cloudLifecycleState: "inactive" },
    };
    expect(change(inactive).kind).toBe("leaver");
  });

  it("attributes changed: lifecycle to terminated → LEAVER, department/title → MOVER with the before values", () => {
    expect(change(aliceTerminated, { trigger: "idn:identity-attributes-changed" })).toMatchObject({
      kind: "leaver",
      detail: "lifecycle state active → terminated",
    });
    const m = change(aliceMovedToSales);
    expect(m).toMatchObject({ kind: "mover", department: "sales", previous: { department: "engineering" } });
    const other = change({
      identity: { type: "IDENTITY", id: ALICE_ID, name: "Alice Adams" },
      changes: [{ attribute: "phone", oldValue: "1", newValue: "2" }],
    });
    expect(other.kind).toBe("update");
  });

  it("the same body gives the same event id (redelivery dedupes); a sender id wins", () => {
    expect(change(aliceCreated).eventId).toBe(change(aliceCreated).eventId);
    expect(change(aliceCreated, { headerId: "evt-9" }).eventId).toBe("evt-9");
  });

  it("access request decided and certification signed off are recorded with their decisions", () => {
    const ar = change({
      accessRequestId: "2c91808b6ef1d43e016efba0ce470904",
      requestedFor: [{ type: "IDENTITY", id: ALICE_ID, name: "Alice Adams" }],
      requestedItemsStatus: [
        {
          id: "2c91808b6ef1d43e016efba0ce470906",
          name: "AWS prod admins",
          type: "ACCESS_PROFILE",
          operation: "Add",
          comment: "need for incident",
          approvalInfo: [
            {
              approvalComment: "no",
              approvalDecision: "DENIED",
              approverName: "mona.manager",
              approver: { type: "IDENTITY", id: "2c9180a46faadee4016fb4e018c20639", name: "Mona Manager" },
            },
          ],
        },
      ],
      requestedBy: { type: "IDENTITY", id: ALICE_ID, name: "Alice Adams" },
    });
    expect(ar).toMatchObject({ kind: "access-request", detail: "Add AWS prod admins: DENIED" });
    const cert = change({
      certification: {
        id: "2c91808576f0f5640176f0f6e5f80000",
        name: "Q4 cloud access review - Mona",
        created: "2026-10-01T00:00:00Z",
        modified: "2026-11-20T00:00:00Z",
        campaignRef: {
          id: "2c9180835d191a86015d28455b4a2329",
          name: "Q4 cloud access review",
          type: "CAMPAIGN",
          campaignType: "MANAGER",
        },
        phase: "SIGNED",
        due: "2026-11-30T00:00:00Z",
        signed: "2026-11-20T12:00:00Z",
        reviewer: {
          type: "IDENTITY",
          id: "2c9180a46faadee4016fb4e018c20639",
          name: "Mona Manager",
          email: "mona@acme.com",
        },
        hasErrors: false,
        completed: true,
        decisionsMade: 12,
        decisionsTotal: 12,
        entitiesCompleted: 4,
        entitiesTotal: 4,
      },
    });
    expect(cert).toMatchObject({ kind: "certification", at: "2026-11-20T12:00:00Z" });
  });

  it("IdentityIQ lifecycle events (SCIM 2.0 User) classify by eventType; inactive means leaver", () => {
    const iiq = (eventType: string, active = true) => ({
      source: "IdentityIQ",
      eventId: `iiq-${eventType}`,
      eventType,
      timestamp: "2026-11-23T09:00:00Z",
      user: {
        id: "c0a8013c7d5e1d5b817d5e3b0c2a0042",
        userName: "Alice.Adams",
        displayName: "Alice Adams",
        active,
        emails: [{ value: "Alice@acme.com", type: "work", primary: true }],
        title: "Account Executive",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
          department: "sales",
          manager: { value: "c0a8013c7d5e1d5b817d5e3b0c2a0001", displayName: "Mona Manager" },
        },
      },
    });
    expect(change(iiq("mover"))).toMatchObject({
      origin: "iiq",
      kind: "mover",
      email: "alice@acme.com",
      department: "sales",
    });
    expect(change(iiq("joiner", false)).kind).toBe("leaver");
    const bad = classifySailpoint({ ...iiq("promoted") }, opts());
    expect(bad.ok).toBe(false);
  });

  it("refuses shapes that are not SailPoint's", () => {
    expect(classifySailpoint({ hello: 1 }, opts()).ok).toBe(false);
    expect(classifySailpoint(aliceCreated, opts({ trigger: "idn:made-up" })).ok).toBe(false);
    expect(
      classifySailpoint({ identity: { type: "IDENTITY", id: "x", name: "y" }, changes: [] }, opts()).ok,
    ).toBe(false);
  });
});
