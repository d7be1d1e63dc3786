import { afterEach, describe, expect, it } from "vitest";
import type { IscIdentity } from "../../integrations/sailpoint/iscClient";
import { IscClient, IscError } from "../../integrations/sailpoint/iscClient";
import type { IscStandIn } from "../../integrations/sailpoint/iscStandIn";
import { startIscStandIn } from "../../integrations/sailpoint/iscStandIn";

const CLIENT = { clientId: "2c9180835d2e5168015d32f890ca1581", clientSecret: "isc-client-secret-value" };
let isc: IscStandIn | undefined;

afterEach(async () => {
  await isc?.close();
  isc = undefined;
});

function people(n: number): IscIdentity[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `2c91808a7${String(i).padStart(5, "0")}`,
    name: `Person ${i}`,
    alias: `person.${i}`,
    emailAddress: `person${i}@acme.com`,
    lifecycleState: { stateName: i === 3 ? "terminated" : "active", manuallyUpdated: false },
    managerRef: null,
    attributes: { department: i % 2 ? "sales" : "engineering" },
  }));
}

describe("ISC client against the local stand-in", () => {
  it("pages through identities with offset/limit until X-Total-Count, on one token", async () => {
    isc = await startIscStandIn({ ...CLIENT, identities: people(7) });
    const client = new IscClient({ baseUrl: isc.url, ...CLIENT, pageSize: 3 });
    const all = await client.listIdentities();
    expect(all.map((p) => p.name)).toEqual(people(7).map((p) => p.name));
    expect(isc.counts.pages).toBe(3);
    expect(isc.counts.tokens).toBe(1);
    expect(all[3].lifecycleState?.stateName).toBe("terminated");
  });

  it("stops on an exact multiple of the page size without an extra empty page", async () => {
    isc = await startIscStandIn({ ...CLIENT, identities: people(6) });
    const client = new IscClient({ baseUrl: isc.url, ...CLIENT, pageSize: 3 });
    expect(await client.listIdentities()).toHaveLength(6);
    expect(isc.counts.pages).toBe(2);
  });

  it("refreshes the token when it is about to expire, and reuses it before then", async () => {
    isc = await startIscStandIn({ ...CLIENT, identities: people(2), tokenTtlSeconds: 120 });
    let clock = 1_000_000;
    const client = new IscClient({ baseUrl: isc.url, ...CLIENT, refreshMarginMs: 30_000, now: () => clock });
    await client.listIdentities();
    clock += 60_000; // 60 s in: still valid (expires at 120 - 30 s margin)
    await client.listIdentities();
    expect(client.tokensIssued).toBe(1);
    clock += 31_000; // past 90 s: refresh before ISC would refuse it
    await client.listIdentities();
    expect(client.tokensIssued).toBe(2);
    expect(isc.counts.unauthorized).toBe(0);
  });

  it("gets a new token and retries once when ISC answers 401 (token revoked early)", async () => {
    isc = await startIscStandIn({ ...CLIENT, identities: people(2) });
    const client = new IscClient({ baseUrl: isc.url, ...CLIENT });
    await client.listIdentities();
    isc.revokeTokens();
    expect(await client.listIdentities()).toHaveLength(2);
    expect(isc.counts.unauthorized).toBe(1);
    expect(client.tokensIssued).toBe(2);
  });

  it("shares one token request among concurrent callers", async () => {
    isc = await startIscStandIn({ ...CLIENT, identities: people(4) });
    const client = new IscClient({ baseUrl: isc.url, ...CLIENT, pageSize: 2 });
    await Promise.all([
      client.listIdentities(),
      client.listIdentities(),
      client.getIdentity(people(1)[0].id),
    ]);
    expect(isc.counts.tokens).toBe(1);
  });

  it("finds by email and lists a person's accounts with filters", async () => {
    isc = await startIscStandIn({
      ...CLIENT,
      identities: people(5),
      accounts: [
        {
          id: "acc1",
          name: "alice",
          nativeIdentity: "arn:aws:iam::111122223333:user/person2",
          sourceId: "src-aws",
          sourceName: "AWS prod",
          identityId: people(5)[2].id,
          disabled: false,
          attributes: {},
        },
        { id: "acc2", name: "other", nativeIdentity: "x", sourceId: "src-ad", identityId: "someone-else" },
      ],
    });
    const client = new IscClient({ baseUrl: isc.url, ...CLIENT });
    const p = await client.findByEmail("PERSON2@acme.com");
    expect(p?.id).toBe(people(5)[2].id);
    const accounts = await client.accountsOf(p?.id ?? "");
    expect(accounts.map((a) => a.nativeIdentity)).toEqual(["arn:aws:iam::111122223333:user/person2"]);
    expect(await client.getIdentity("does-not-exist")).toBeUndefined();
  });

  it("a wrong client secret fails with the status and never the secret in the message", async () => {
    isc = await startIscStandIn({ ...CLIENT });
    const client = new IscClient({
      baseUrl: isc.url,
      clientId: CLIENT.clientId,
      clientSecret: "wrong-secret-value",
    });
    const err = await client.listIdentities().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IscError);
    expect((err as IscError).status).toBe(401);
    expect((err as Error).message).not.toContain("wrong-secret-value");
  });
});
