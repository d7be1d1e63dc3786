import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendAudit, listAudit } from "../../integrations/store/audit";
import type { NewInboxRecord, Store } from "../../integrations/store/store";
import { mutate } from "../../integrations/store/store";

/**
 * The behaviour every Store adapter must show (DESIGN.md, "Storage"). Each adapter's test file
 * calls this with a factory that returns an empty store.
 */

const T0 = new Date("2026-03-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

function rec(id: string, receivedMs = 0, source = "aws"): NewInboxRecord {
  return {
    id: `${source}:${id}`,
    source,
    payload: JSON.stringify({ eventID: id, eventName: "AttachUserPolicy", nested: [[1, 2], ["x"]] }),
    receivedAt: at(receivedMs),
  };
}

interface Incidentish {
  title: string;
  status: string;
  risk: number;
  auto: boolean;
  at: string;
  tags?: string[][];
}

export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("inbox", () => {
      it("stores a redelivered event once and reports it as a duplicate", async () => {
        const first = await store.putInbox([rec("e1"), rec("e2")]);
        expect(first).toEqual({ accepted: ["aws:e1", "aws:e2"], duplicates: [] });
        const again = await store.putInbox([rec("e2", 5), rec("e3", 5), rec("e3", 6)]);
        expect(again.accepted).toEqual(["aws:e3"]);
        expect(again.duplicates.sort()).toEqual(["aws:e2", "aws:e3"]);
        expect(await store.inboxCounts()).toEqual({ pending: 3, done: 0, dead: 0 });
        const e2 = await store.getInbox("aws:e2");
        // The first delivery wins: the redelivery did not overwrite it.
        expect(e2).toMatchObject({
          id: "aws:e2",
          source: "aws",
          status: "pending",
          attempts: 0,
          receivedAt: T0,
          availableAt: T0,
        });
        expect(JSON.parse(e2?.payload ?? "{}")).toEqual({
          eventID: "e2",
          eventName: "AttachUserPolicy",
          nested: [[1, 2], ["x"]],
        });
        expect(e2?.lastError).toBeUndefined();
        expect(e2?.processedAt).toBeUndefined();
        expect(await store.getInbox("aws:nope")).toBeNull();
      });

      it("claims the oldest available records under a lease that expires", async () => {
        await store.putInbox([rec("a", 0), rec("b", 10), rec("c", 20)]);
        const now = at(1000);
        const first = await store.claimInbox({ limit: 2, leaseMs: 60_000, now });
        expect(first.map((r) => r.id)).toEqual(["aws:a", "aws:b"]);
        expect(first.every((r) => r.attempts === 1)).toBe(true);
        expect(first[0].availableAt).toEqual(at(61_000));
        // Leased records are not handed to a second worker.
        const second = await store.claimInbox({ limit: 10, leaseMs: 60_000, now });
        expect(second.map((r) => r.id)).toEqual(["aws:c"]);
        expect(await store.claimInbox({ limit: 10, leaseMs: 60_000, now: at(30_000) })).toEqual([]);
        // The worker died: after the lease the records come back, with the attempt counted.
        const back = await store.claimInbox({ limit: 10, leaseMs: 60_000, now: at(61_000) });
        expect(back.map((r) => r.id)).toEqual(["aws:a", "aws:b", "aws:c"]);
        expect(back.map((r) => r.attempts)).toEqual([2, 2, 2]);
        // Not claimable before it was received.
        await store.putInbox([rec("future", 500_000)]);
        expect(await store.claimInbox({ limit: 10, leaseMs: 1000, now: at(200_000) })).toHaveLength(3);
      });

      it("gives each record to exactly one of two workers claiming at once", async () => {
        await store.putInbox(Array.from({ length: 30 }, (_, i) => rec(`r${i}`, i)));
        const now = at(1000);
        const [a, b] = await Promise.all([
          store.claimInbox({ limit: 30, leaseMs: 60_000, now }),
          store.claimInbox({ limit: 30, leaseMs: 60_000, now }),
        ]);
        const ids = [...a, ...b].map((r) => r.id);
        expect(ids).toHaveLength(30);
        expect(new Set(ids).size).toBe(30);
        for (const id of ids) expect((await store.getInbox(id))?.attempts).toBe(1);
      });

      it("marks a claimed batch done so it is never claimed again", async () => {
        await store.putInbox([rec("a"), rec("b"), rec("c")]);
        const claimed = await store.claimInbox({ limit: 10, leaseMs: 1000, now: at(0) });
        await store.completeInbox(
          claimed.slice(0, 2).map((r) => r.id),
          at(500),
        );
        // Completing twice, or an unknown id, changes nothing.
        await store.completeInbox(["aws:a", "aws:unknown"], at(900));
        expect(await store.inboxCounts()).toEqual({ pending: 1, done: 2, dead: 0 });
        const a = await store.getInbox("aws:a");
        expect(a?.status).toBe("done");
        expect(a?.processedAt?.getTime()).toBeGreaterThanOrEqual(at(500).getTime());
        const later = await store.claimInbox({ limit: 10, leaseMs: 1000, now: at(5000) });
        expect(later.map((r) => r.id)).toEqual(["aws:c"]);
        const done = await store.listInbox({ status: "done", limit: 10 });
        expect(done.map((r) => r.id).sort()).toEqual(["aws:a", "aws:b"]);
      });

      it("retries a failing record after its backoff, then parks it as a dead letter", async () => {
        await store.putInbox([rec("bad")]);
        const [first] = await store.claimInbox({ limit: 1, leaseMs: 60_000, now: at(0) });
        await store.failInbox(first.id, "Error: cannot normalize", at(5000));
        const failed = await store.getInbox("aws:bad");
        expect(failed).toMatchObject({
          status: "pending",
          lastError: "Error: cannot normalize",
          attempts: 1,
        });
        expect(failed?.availableAt).toEqual(at(5000));
        expect(await store.claimInbox({ limit: 1, leaseMs: 60_000, now: at(4999) })).toEqual([]);
        const [retry] = await store.claimInbox({ limit: 1, leaseMs: 60_000, now: at(5000) });
        expect(retry.attempts).toBe(2);
        await store.failInbox(retry.id, "Error: still broken", null);
        expect(await store.inboxCounts()).toEqual({ pending: 0, done: 0, dead: 1 });
        expect(await store.claimInbox({ limit: 1, leaseMs: 1000, now: at(10_000_000) })).toEqual([]);
        const dead = await store.listInbox({ status: "dead", limit: 10 });
        expect(dead).toHaveLength(1);
        expect(dead[0]).toMatchObject({ id: "aws:bad", status: "dead", lastError: "Error: still broken" });
      });

      it("revives a dead letter to pending with a fresh attempt count", async () => {
        await store.putInbox([rec("x"), rec("y")]);
        expect(await store.reviveInbox("aws:x", at(0))).toBe(false);
        await store.failInbox("aws:x", "Error: boom", null);
        expect(await store.reviveInbox("aws:x", at(7000))).toBe(true);
        expect(await store.reviveInbox("aws:x", at(7000))).toBe(false);
        expect(await store.reviveInbox("aws:missing", at(7000))).toBe(false);
        expect(await store.getInbox("aws:x")).toMatchObject({
          status: "pending",
          attempts: 0,
          availableAt: at(7000),
        });
        const claimed = await store.claimInbox({ limit: 5, leaseMs: 1000, now: at(7000) });
        expect(claimed.map((r) => r.id).sort()).toEqual(["aws:x", "aws:y"]);
      });

      it("prunes processed records older than the cutoff, oldest first, and never pending ones or dead letters", async () => {
        await store.putInbox([rec("old1", 0), rec("old2", 100), rec("old3", 200), rec("new", 5000)]);
        await store.putInbox([rec("pending", 50), rec("dead", 60)]);
        await store.completeInbox(["aws:old1", "aws:old2", "aws:old3", "aws:new"], at(6000));
        await store.failInbox("aws:dead", "Error: boom", null);
        expect(await store.pruneInbox(at(1000), 2)).toBe(2);
        expect(await store.getInbox("aws:old1")).toBeNull();
        expect(await store.getInbox("aws:old2")).toBeNull();
        expect(await store.pruneInbox(at(1000), 10)).toBe(1);
        expect(await store.pruneInbox(at(1000), 10)).toBe(0);
        expect(await store.getInbox("aws:new")).not.toBeNull();
        expect(await store.inboxCounts()).toEqual({ pending: 1, done: 1, dead: 1 });
        // A redelivery of a pruned event is a new record (its effects are idempotent downstream).
        expect((await store.putInbox([rec("old1", 0)])).accepted).toEqual(["aws:old1"]);
      });

      it("lists by time and counts by source", async () => {
        await store.putInbox([rec("a", 0), rec("b", 100), rec("g1", 200, "gcp"), rec("c", 300)]);
        const after = await store.listInbox({ limit: 10, receivedAfter: at(100) });
        expect(after.map((r) => r.id)).toEqual(["gcp:g1", "aws:c"]);
        expect((await store.listInbox({ limit: 2 })).map((r) => r.id)).toEqual(["aws:a", "aws:b"]);
        expect(await store.inboxCountsBySource(at(100))).toEqual({ aws: 2, gcp: 1 });
        expect(await store.inboxCountsBySource(at(1000))).toEqual({});
      });

      it("reads a window in pages by a (receivedAt, id) cursor: each record once, in receive order, ties included", async () => {
        // 500 records, received out of id order, in runs of 30 in the same millisecond (one
        // webhook batch), so page boundaries (every 200) fall inside ties. (The emulator writes
        // slowly; the training reads pages of 5,000 the same way.)
        const n = 500;
        const all: NewInboxRecord[] = [];
        for (let i = 0; i < n; i++)
          all.push(rec(`r${String((i * 7919) % n).padStart(5, "0")}`, 1 + Math.floor(i / 30)));
        for (let i = 0; i < n; i += 250) await store.putInbox(all.slice(i, i + 250));
        await store.putInbox([rec("before-window", 0), rec("pending-one", 5)]);
        const ids = all.map((r) => r.id);
        for (let i = 0; i < ids.length; i += 400)
          await store.completeInbox(ids.slice(i, i + 400), at(10_000));
        await store.completeInbox(["aws:before-window"], at(10_000));

        const read: { id: string; receivedAt: Date }[] = [];
        let after: { receivedAt: Date; id: string } | undefined;
        let pages = 0;
        for (;;) {
          const page = await store.listInbox({ status: "done", receivedAfter: at(0), limit: 200, after });
          if (page.length === 0) break;
          pages++;
          for (const r of page) read.push({ id: r.id, receivedAt: r.receivedAt });
          const last = page[page.length - 1];
          after = { receivedAt: last.receivedAt, id: last.id };
        }
        expect(pages).toBe(3);
        expect(read.length).toBe(n);
        expect(new Set(read.map((r) => r.id)).size).toBe(n);
        expect(new Set(read.map((r) => r.id))).toEqual(new Set(all.map((r) => r.id)));
        // Receive order, and within one millisecond by id (ids here sort alike raw or encoded).
        for (let i = 1; i < read.length; i++) {
          const a = read[i - 1];
          const b = read[i];
          expect(
            a.receivedAt.getTime() < b.receivedAt.getTime() ||
              (a.receivedAt.getTime() === b.receivedAt.getTime() && a.id < b.id),
          ).toBe(true);
        }
        // The pages are exactly the one long read.
        const whole = await store.listInbox({ status: "done", receivedAfter: at(0), limit: 10_000 });
        expect(whole.map((r) => r.id)).toEqual(read.map((r) => r.id));
      });

      it("resumes after a cursor older than receivedAfter from the window start", async () => {
        await store.putInbox([rec("a", 0), rec("b", 100), rec("c", 100), rec("d", 200)]);
        await store.completeInbox(["aws:a", "aws:b", "aws:c", "aws:d"], at(1000));
        const page = await store.listInbox({
          status: "done",
          receivedAfter: at(50),
          limit: 10,
          after: { receivedAt: at(0), id: "aws:a" },
        });
        expect(page.map((r) => r.id)).toEqual(["aws:b", "aws:c", "aws:d"]);
        const next = await store.listInbox({
          status: "done",
          limit: 10,
          after: { receivedAt: at(100), id: "aws:b" },
        });
        expect(next.map((r) => r.id)).toEqual(["aws:c", "aws:d"]);
      });
    });

    describe("documents", () => {
      const inc = (title: string, extra: Partial<Incidentish> = {}): Incidentish => ({
        title,
        status: "open",
        risk: 50,
        auto: false,
        at: "2026-03-01T10:00:00.000Z",
        ...extra,
      });

      it("creates once, upserts, and writes only at the expected version", async () => {
        expect(await store.get("incidents", "i1")).toBeNull();
        expect(await store.create("incidents", "i1", inc("first"))).toBe(true);
        expect(await store.create("incidents", "i1", inc("second"))).toBe(false);
        expect(await store.get("incidents", "i1")).toEqual({ id: "i1", version: 1, data: inc("first") });
        await store.set("incidents", "i1", inc("set"));
        expect((await store.get("incidents", "i1"))?.version).toBe(2);
        expect(await store.replace("incidents", "i1", inc("stale"), 1)).toBe(false);
        expect(await store.replace("incidents", "i1", inc("fresh"), 2)).toBe(true);
        expect(await store.get("incidents", "i1")).toEqual({ id: "i1", version: 3, data: inc("fresh") });
        expect(await store.replace("incidents", "absent", inc("x"), 1)).toBe(false);
        await store.set("incidents", "i2", inc("upserted"));
        expect((await store.get("incidents", "i2"))?.version).toBe(1);
        // Collections are separate namespaces.
        expect(await store.get("identities", "i1")).toBeNull();
      });

      it("deletes, and a deleted document can be created again from version 1", async () => {
        await store.create("claims", "c1", { by: "alice" });
        await store.delete("claims", "c1");
        await store.delete("claims", "c1");
        expect(await store.get("claims", "c1")).toBeNull();
        expect(await store.replace("claims", "c1", { by: "late" }, 1)).toBe(false);
        expect(await store.create("claims", "c1", { by: "bob" })).toBe(true);
        expect(await store.get("claims", "c1")).toEqual({ id: "c1", version: 1, data: { by: "bob" } });
      });

      it("keeps ids and data exactly as given", async () => {
        const ids = [
          "projects/p1/serviceAccounts/ci@p1.iam.gserviceaccount.com",
          "__x__",
          ".",
          "a b%2F",
          "ü✓",
        ];
        const data = { nested: [[1, 2.5], ["a"]], empty: {}, n: null, s: "ünïcode ✓", big: 2 ** 40 };
        for (const id of ids) expect(await store.create("identities", id, data)).toBe(true);
        for (const id of ids) expect(await store.get("identities", id)).toEqual({ id, version: 1, data });
        const all = await store.query("identities");
        expect(all.map((d) => d.id)).toEqual([...ids].sort());
      });

      it("serialises two concurrent writers through mutate without losing an update", async () => {
        await store.create("leases", "counter", { n: 0, writers: [] as string[] });
        const bump = async (who: string) => {
          for (let i = 0; i < 10; i++) {
            await mutate<{ n: number; writers: string[] }>(store, "leases", "counter", (cur) => ({
              n: (cur?.n ?? 0) + 1,
              writers: [...(cur?.writers ?? []), who],
            }));
          }
        };
        await Promise.all([bump("a"), bump("b")]);
        const final = await store.get<{ n: number; writers: string[] }>("leases", "counter");
        expect(final?.data.n).toBe(20);
        expect(final?.version).toBe(21);
        expect(final?.data.writers.filter((w) => w === "a")).toHaveLength(10);
        // Two responders replacing the same version at once: exactly one wins.
        const results = await Promise.all([
          store.replace("leases", "counter", { n: -1, writers: ["x"] }, 21),
          store.replace("leases", "counter", { n: -2, writers: ["y"] }, 21),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.get("leases", "counter"))?.version).toBe(22);
        // Two creating at once: exactly one wins.
        const creates = await Promise.all([
          store.create("claims", "k", { by: "a" }),
          store.create("claims", "k", { by: "b" }),
        ]);
        expect(creates.filter(Boolean)).toHaveLength(1);
      });

      it("queries with filters, order and limit", async () => {
        await store.create(
          "incidents",
          "a",
          inc("A", { risk: 90, status: "open", at: "2026-03-01T10:00:01Z" }),
        );
        await store.create(
          "incidents",
          "b",
          inc("B", { risk: 40, status: "open", at: "2026-03-01T10:00:02Z" }),
        );
        await store.create(
          "incidents",
          "c",
          inc("C", { risk: 75, status: "dismissed", at: "2026-03-01T10:00:03Z" }),
        );
        await store.create(
          "incidents",
          "d",
          inc("D", { risk: 60, status: "open", auto: true, at: "2026-03-01T10:00:04Z" }),
        );
        await store.create("identities", "z", { status: "open", risk: 99 });
        const titles = (docs: { data: Incidentish }[]) => docs.map((d) => d.data.title);

        expect(titles(await store.query<Incidentish>("incidents"))).toEqual(["A", "B", "C", "D"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              where: [{ field: "status", op: "==", value: "open" }],
            }),
          ),
        ).toEqual(["A", "B", "D"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              where: [{ field: "status", op: "!=", value: "open" }],
            }),
          ),
        ).toEqual(["C"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              where: [{ field: "risk", op: ">=", value: 60 }],
              orderBy: { field: "risk", direction: "desc" },
            }),
          ),
        ).toEqual(["A", "C", "D"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              where: [
                { field: "status", op: "==", value: "open" },
                { field: "risk", op: "<", value: 90 },
              ],
              orderBy: { field: "risk" },
            }),
          ),
        ).toEqual(["B", "D"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              where: [{ field: "auto", op: "==", value: true }],
            }),
          ),
        ).toEqual(["D"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              orderBy: { field: "at", direction: "desc" },
              limit: 2,
            }),
          ),
        ).toEqual(["D", "C"]);
        expect(
          titles(
            await store.query<Incidentish>("incidents", {
              where: [{ field: "at", op: ">", value: "2026-03-01T10:00:02Z" }],
              orderBy: { field: "at" },
              limit: 1,
            }),
          ),
        ).toEqual(["C"]);
        expect(
          await store.query("incidents", { where: [{ field: "status", op: "==", value: "none" }] }),
        ).toEqual([]);
        await expect(
          store.query("incidents", { where: [{ field: "x'); DROP", op: "==", value: 1 }] }),
        ).rejects.toThrow(/bad field name/);
      });
    });

    it("appends audit entries and lists them newest first, per incident", async () => {
      await appendAudit(store, {
        actor: "alice",
        action: "dismiss",
        incidentId: "inc-1",
        at: "2026-03-01T10:00:00Z",
        detail: {},
      });
      await appendAudit(store, {
        actor: "auto",
        action: "remediate",
        incidentId: "inc-2",
        at: "2026-03-01T10:01:00Z",
        detail: { action: "RemoveRoleBinding" },
      });
      const last = await appendAudit(store, {
        actor: "bob",
        action: "revert",
        incidentId: "inc-1",
        at: "2026-03-01T10:02:00Z",
        detail: { reason: "false positive" },
      });
      const forOne = await listAudit(store, { incidentId: "inc-1" });
      expect(forOne.map((e) => e.action)).toEqual(["revert", "dismiss"]);
      expect(forOne[0]).toEqual(last);
      expect((await listAudit(store)).map((e) => e.actor)).toEqual(["bob", "auto", "alice"]);
      expect((await listAudit(store, { limit: 1 })).map((e) => e.actor)).toEqual(["bob"]);
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
