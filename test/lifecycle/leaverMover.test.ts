import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Identity, Incident } from "../../detection/model";
import { startIscStandIn } from "../../integrations/sailpoint/iscStandIn";
import { lifecycleFeature } from "../../integrations/sailpoint/lifecycleFeature";
import type { TestServer } from "../helpers/server";
import { startTestServer } from "../helpers/server";
import { aliceCreated, aliceMovedToSales, aliceTerminated, post, RecordingChannel } from "./fixtures";
import type { GcpStandIn } from "./gcpStandIn";
import { startGcpStandIn } from "./gcpStandIn";
import { iamStandIn } from "./iamStandIn";

const ACCOUNT = "111122223333";
const TOKEN = "lifecycle-test-token";
let srv: TestServer | undefined;
let gcp: GcpStandIn;
let iam: ReturnType<typeof iamStandIn>;
let channel: RecordingChannel;

beforeEach(async () => {
  gcp = await startGcpStandIn({
    "projects/prod-1": [
      { role: "roles/editor", members: ["user:alice@acme.com", "user:bob@acme.com"] },
      { role: "roles/viewer", members: ["user:alice@acme.com"] },
    ],
    "projects/data-2": [{ role: "roles/bigquery.admin", members: ["user:alice@acme.com"] }],
  });
  iam = iamStandIn(ACCOUNT, {
    alice: {
      tags: { email: "alice@acme.com", team: "platform" },
      keys: [
        { id: "AKIAALICE0000000001", status: "Active" },
        { id: "AKIAALICE0000000002", status: "Active" },
      ],
      groups: ["developers"],
      loginProfile: true,
    },
    bob: {
      tags: { email: "bob@acme.com" },
      keys: [{ id: "AKIABOB000000000001", status: "Active" }],
      groups: ["developers"],
      loginProfile: true,
    },
  });
  channel = new RecordingChannel();
});

afterEach(async () => {
  await srv?.close();
  srv = undefined;
  await gcp.close();
  iam.mock.restore();
});

async function start(extra: Record<string, string> = {}) {
  const feature = lifecycleFeature();
  srv = await startTestServer(
    {
      SAILPOINT_WEBHOOK_TOKEN: TOKEN,
      GOOGLE_API_ROOT_URL: gcp.url,
      LIFECYCLE_GCP_RESOURCES: "projects/prod-1,projects/data-2",
      LIFECYCLE_AWS_ACCOUNTS: ACCOUNT,
      REMEDIATION_MODE: "enforce",
      AUTO_REMEDIATE: "true",
      AUTO_REMEDIATE_THRESHOLD: "80",
      TWO_PERSON_ACTIONS: "remove-binding(roles/owner):human",
      REMEDIATION_MAX_ATTEMPTS: "1",
      LIFECYCLE_ROLE_ACCESS: JSON.stringify({
        sales: { gcpRoles: ["roles/viewer"], awsGroups: ["sales"] },
        engineering: {
          gcpRoles: ["roles/editor", "roles/viewer", "roles/bigquery.admin"],
          awsGroups: ["developers"],
        },
      }),
      ...extra,
    },
    { features: [feature], channels: [channel], startWorker: false },
  );
  const send = async (trigger: string, body: unknown) => {
    const res = await post(`${srv?.url}/events/sailpoint?trigger=${trigger}`, JSON.stringify(body), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status).toBe(202);
    await feature.service?.idle();
    return res;
  };
  return { s: srv, send };
}

describe("LEAVER", () => {
  it("revokes every GCP binding and AWS credential of the person and posts a report card", async () => {
    const { s, send } = await start();
    await send("idn:identity-created", aliceCreated);
    await send("idn:identity-attributes-changed", aliceTerminated);

    // GCP: alice is gone from every binding on both projects; bob is untouched.
    expect(gcp.membersOf("projects/prod-1")).toEqual(["roles/editor=user:bob@acme.com"]);
    expect(gcp.membersOf("projects/data-2")).toEqual([]);
    // AWS: both keys inactive, out of every group, console password deleted; bob untouched.
    const alice = iam.state.get("alice");
    expect(alice?.keys.map((k) => k.status)).toEqual(["Inactive", "Inactive"]);
    expect(alice?.groups).toEqual([]);
    expect(alice?.loginProfile).toBe(false);
    expect(iam.state.get("bob")?.keys[0].status).toBe("Active");
    expect(iam.state.get("bob")?.groups).toEqual(["developers"]);

    const incidents = await s.server.store.query<Incident>("incidents");
    expect(incidents).toHaveLength(1);
    const inc = incidents[0].data;
    expect(inc.state).toBe("remediated");
    expect(inc.category).toBe("lifecycle_violation");
    expect(inc.plan?.steps.every((st) => st.status === "done")).toBe(true);
    expect(inc.plan?.actions.map((a) => a.kind).sort()).toEqual([
      "aws.deactivateAccessKey",
      "aws.deleteLoginProfile",
      "aws.removeUserFromGroup",
      "gcp.removeMemberEverywhere",
      "gcp.removeMemberEverywhere",
    ]);

    const id = (await s.server.store.get<Identity>("identities", "alice@acme.com"))?.data;
    expect(id?.lifecycle).toBe("leaver");

    // The report card lists what was found and says all of it was removed.
    const report = channel.views.find((v) => v.title.startsWith("Leaver report"));
    expect(report).toBeDefined();
    expect(report?.fields.find((f) => f.label === "Status")?.value).toBe("All access removed");
    const found = report?.sections.find((x) => x.heading === "Found")?.lines ?? [];
    expect(found).toContain("GCP projects/prod-1: user:alice@acme.com has roles/editor");
    expect(found).toContain("GCP projects/data-2: user:alice@acme.com has roles/bigquery.admin");
    expect(found).toContain(`AWS alice in account ${ACCOUNT}: access key AKIAALICE0000000001 (Active)`);
    expect(found).toContain(`AWS alice in account ${ACCOUNT}: console password`);
    expect(report?.facts).toContain("Zero orphaned access");
    // And the incident card was posted and updated as the steps ran.
    expect(channel.incidents.at(-1)?.state).toBe("remediated");
  });

  it("redelivered leaver events do not act twice", async () => {
    const { s, send } = await start();
    await send("idn:identity-created", aliceCreated);
    await send("idn:identity-attributes-changed", aliceTerminated);
    const writes = gcp.writes;
    const again = await post(
      `${s.url}/events/sailpoint?trigger=idn:identity-attributes-changed`,
      JSON.stringify(aliceTerminated),
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(again.status).toBe(200);
    expect(gcp.writes).toBe(writes);
    expect(await s.server.store.query("incidents")).toHaveLength(1);
  });

  it("in dry-run mode plans the same revocations, changes nothing and the report says so", async () => {
    const { s, send } = await start({ REMEDIATION_MODE: "dry-run" });
    await send("idn:identity-created", aliceCreated);
    await send("idn:identity-attributes-changed", aliceTerminated);
    expect(gcp.writes).toBe(0);
    expect(iam.state.get("alice")?.keys.every((k) => k.status === "Active")).toBe(true);
    const inc = (await s.server.store.query<Incident>("incidents"))[0].data;
    expect(inc.state).toBe("open");
    expect(inc.plan?.actions).toHaveLength(5);
    const report = channel.views.find((v) => v.title.startsWith("Leaver report"));
    expect(report?.fields.find((f) => f.label === "Status")?.value).toBe("Dry run: nothing removed");
  });
});

describe("LEAVER known only to ISC", () => {
  it("looks the person up in ISC and revokes the AWS user linked as their account (no tag)", async () => {
    // carol's IAM user has no email tag: only SailPoint's account correlation links it to her.
    iam.state.set("carol.c", {
      arn: `arn:aws:iam::${ACCOUNT}:user/carol.c`,
      tags: {},
      keys: [{ id: "AKIACAROL0000000001", status: "Active" }],
      groups: [],
      loginProfile: false,
    });
    const isc = await startIscStandIn({
      clientId: "cid",
      clientSecret: "csecret",
      identities: [
        {
          id: "2c9180867a1b2c3d4e5f000000000099",
          name: "Carol Chen",
          emailAddress: "carol@acme.com",
          lifecycleState: { stateName: "active" },
          attributes: { department: "finance" },
        },
      ],
      accounts: [
        {
          id: "acc-carol-aws",
          name: "carol.c",
          nativeIdentity: `arn:aws:iam::${ACCOUNT}:user/carol.c`,
          sourceId: "src-aws-prod",
          sourceName: "AWS prod",
          identityId: "2c9180867a1b2c3d4e5f000000000099",
        },
      ],
    });
    try {
      const { s, send } = await start({
        ISC_BASE_URL: isc.url,
        ISC_CLIENT_ID: "cid",
        ISC_CLIENT_SECRET: "csecret",
      });
      await send("idn:identity-attributes-changed", {
        identity: { type: "IDENTITY", id: "2c9180867a1b2c3d4e5f000000000099", name: "Carol Chen" },
        changes: [{ attribute: "cloudLifecycleState", oldValue: "active", newValue: "inactive" }],
      });
      expect(iam.state.get("carol.c")?.keys[0].status).toBe("Inactive");
      const id = (await s.server.store.get<Identity>("identities", "carol@acme.com"))?.data;
      expect(id?.lifecycle).toBe("leaver");
      expect(id?.aliases).toContain(`arn:aws:iam::${ACCOUNT}:user/carol.c`);
      expect(isc.counts.tokens).toBe(1);
    } finally {
      await isc.close();
    }
  });
});

describe("MOVER", () => {
  it("opens an 'access outside current role' incident proposing to revoke what the new role lacks", async () => {
    const { s, send } = await start();
    await send("idn:identity-created", aliceCreated);
    await send("idn:identity-attributes-changed", aliceMovedToSales);

    const incidents = await s.server.store.query<Incident>("incidents");
    expect(incidents).toHaveLength(1);
    const inc = incidents[0].data;
    expect(inc.title).toBe("Access outside current role: Alice Adams");
    expect(inc.category).toBe("lifecycle_violation");
    expect(inc.state).toBe("open");
    const proposed = inc.plan?.actions.map((a) => a.description).sort();
    expect(proposed).toEqual([
      `Remove IAM user alice from group developers in account ${ACCOUNT}.`,
      "Remove user:alice@acme.com from roles/bigquery.admin on projects/data-2.",
      "Remove user:alice@acme.com from roles/editor on projects/prod-1.",
    ]);
    // roles/viewer belongs to sales too: kept. Nothing was changed without approval.
    expect(gcp.writes).toBe(0);
    expect(channel.incidents.map((i) => i.id)).toContain(inc.id);
    const id = (await s.server.store.get<Identity>("identities", "alice@acme.com"))?.data;
    expect(id?.lifecycle).toBe("mover");
    expect(id?.department).toBe("sales");
  });
});
