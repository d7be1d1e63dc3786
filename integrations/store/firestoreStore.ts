import { randomBytes } from "node:crypto";
import type {
  DocumentReference,
  DocumentSnapshot,
  Query as FsQuery,
  WriteBatch,
} from "@google-cloud/firestore";
import { FieldPath, Firestore, Timestamp } from "@google-cloud/firestore";
import { SourceSchema } from "../../detection/model";
import type {
  Collection,
  Doc,
  InboxCounts,
  InboxCursor,
  InboxRecord,
  InboxStatus,
  NewInboxRecord,
  Query,
  Store,
} from "./store";
import { StoreUnavailableError } from "./store";

/**
 * Firestore adapter (production, several replicas sharing one database).
 *
 * Every compare-and-set goes through a "version slot": moving a document from version v to
 * v+1 (or deleting it) creates `_slots/{generation}.{v+1}` with an exists=false precondition
 * in the same commit as the write. Of two racing writers exactly one creates the slot; the
 * other's whole commit fails. We use this instead of read-write transactions because it needs
 * only the create precondition, which real Firestore and the in-process test emulator
 * (@firestore-emulator/server: no transaction isolation, no update-time preconditions) both
 * honour. The generation is random per document incarnation, so a delete-and-recreate never
 * reuses an old slot. Slots carry `expireAt`; a TTL policy on `_slots.expireAt` prunes them
 * (a writer would have to stall for SLOT_TTL_MS between its read and its commit to slip by).
 *
 * Layout. Documents: `{col}/{id}` = { v, g, w, j: JSON text of the data, q_<field>: copy of
 * each top-level scalar field for where/orderBy }. JSON text keeps the round trip exact
 * (nested arrays, which Firestore cannot store, and number types survive). Inbox:
 * `inbox/{id}` = { v, g, w, source, payload, receivedAt, status, attempts, availableAt,
 * lastError, processedAt } with times in epoch milliseconds.
 *
 * Real Firestore needs the composite indexes and the `_slots.expireAt` TTL policy listed in
 * firestore.indexes.json next to this file (`firebase deploy --only firestore:indexes`), plus
 * one for any new documents query that filters on one field and orders by another. Large text
 * fields (payload, incidents.j) are exempted from indexing there: no query reads them.
 */

const SLOT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Firestore caps one commit at 500 writes and 10 MiB; stay well below both. */
const MAX_BATCH_WRITES = 400;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_ABORTED = 10;
const RETRIES = 50;

export interface FirestoreStoreOptions {
  projectId: string;
  databaseId?: string;
  /** host:port of an emulator; plain-text gRPC, no credentials. */
  emulatorHost?: string;
}

interface InboxDoc {
  v: number;
  g: string;
  w: string;
  source: string;
  payload: string;
  receivedAt: number;
  status: InboxStatus;
  attempts: number;
  availableAt: number;
  lastError: string | null;
  processedAt: number | null;
}

interface DataDoc {
  v: number;
  g: string;
  w: string;
  j: string;
  [queryField: string]: unknown;
}

/** One versioned write: `doc` null deletes. */
interface CasWrite {
  ref: DocumentReference;
  g: string;
  /** The version this write creates. */
  v: number;
  doc: Record<string, unknown> | null;
}

const token = (): string => randomBytes(12).toString("base64url");

/** Firestore ids cannot contain "/", be "." or "..", or look like `__x__`. */
export function encodeDocId(id: string): string {
  let enc = encodeURIComponent(id);
  if (enc === "." || enc === "..") enc = enc.replace(/\./g, "%2E");
  if (enc.startsWith("__")) enc = `%5F${enc.slice(1)}`;
  return enc;
}

export function decodeDocId(enc: string): string {
  return decodeURIComponent(enc);
}

function isConflict(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === GRPC_ALREADY_EXISTS ||
    code === GRPC_NOT_FOUND ||
    code === GRPC_FAILED_PRECONDITION ||
    code === GRPC_ABORTED
  );
}

function toInboxRecord(id: string, d: InboxDoc): InboxRecord {
  return {
    id,
    source: d.source,
    payload: d.payload,
    receivedAt: new Date(d.receivedAt),
    status: d.status,
    attempts: d.attempts,
    availableAt: new Date(d.availableAt),
    lastError: d.lastError ?? undefined,
    processedAt: d.processedAt === null ? undefined : new Date(d.processedAt),
  };
}

/** The stored form of a document: JSON text plus queryable copies of top-level scalars. */
function toDataDoc(data: unknown, v: number, g: string, w: string): DataDoc {
  const j = JSON.stringify(data);
  const doc: DataDoc = { v, g, w, j };
  const plain = JSON.parse(j) as unknown;
  if (plain && typeof plain === "object" && !Array.isArray(plain)) {
    for (const [k, val] of Object.entries(plain)) {
      if (!FIELD_NAME.test(k)) continue;
      if (typeof val === "string" || typeof val === "number" || typeof val === "boolean") doc[`q_${k}`] = val;
    }
  }
  return doc;
}

export class FirestoreStore implements Store {
  readonly kind = "firestore" as const;
  readonly location: string;
  private readonly db: Firestore;

  constructor(opts: FirestoreStoreOptions) {
    const databaseId = opts.databaseId ?? "(default)";
    this.db = new Firestore({
      projectId: opts.projectId,
      databaseId,
      // The emulator takes no credentials; naming placeholder ones spares the client library
      // its application-default-credentials lookup (a metadata-server probe per client).
      ...(opts.emulatorHost
        ? {
            host: opts.emulatorHost,
            ssl: false,
            credentials: { client_email: "emulator@localhost", private_key: "unused" },
          }
        : {}),
    });
    this.location = `firestore://${opts.projectId}/${databaseId}${opts.emulatorHost ? ` (emulator ${opts.emulatorHost})` : ""}`;
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      throw new StoreUnavailableError(`firestore ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private inboxRef(id: string): DocumentReference {
    return this.db.collection("inbox").doc(encodeDocId(id));
  }

  private docRef(col: Collection, id: string): DocumentReference {
    return this.db.collection(col).doc(encodeDocId(id));
  }

  private slotRef(g: string, v: number): DocumentReference {
    return this.db.collection("_slots").doc(`${g}.${v}`);
  }

  private addCas(batch: WriteBatch, w: CasWrite, now: number): void {
    // The slot goes first: the emulator applies writes in order and stops at the first failure.
    batch.create(this.slotRef(w.g, w.v), {
      at: Timestamp.fromMillis(now),
      expireAt: Timestamp.fromMillis(now + SLOT_TTL_MS),
    });
    if (w.doc === null) batch.delete(w.ref);
    else batch.set(w.ref, w.doc);
  }

  /** Commits versioned writes atomically; false when another writer got there first. */
  private async commitCas(writes: CasWrite[]): Promise<boolean> {
    const batch = this.db.batch();
    const now = Date.now();
    for (const w of writes) this.addCas(batch, w, now);
    try {
      await batch.commit();
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.db.terminate();
  }

  async ping(): Promise<void> {
    await this.run("ping", () => this.db.collection("_meta").doc("ping").get());
  }

  // ---- inbox ----

  async putInbox(records: NewInboxRecord[]): Promise<{ accepted: string[]; duplicates: string[] }> {
    return this.run("putInbox", async () => {
      const accepted: string[] = [];
      const duplicates: string[] = [];
      const seen = new Set<string>();
      const fresh: NewInboxRecord[] = [];
      for (const r of records) {
        if (seen.has(r.id)) duplicates.push(r.id);
        else {
          seen.add(r.id);
          fresh.push(r);
        }
      }
      for (const chunk of chunks(fresh, (r) => Buffer.byteLength(r.payload) + 512)) {
        const refs = chunk.map((r) => this.inboxRef(r.id));
        const existing = await this.db.getAll(...refs);
        const toCreate: { r: NewInboxRecord; ref: DocumentReference; doc: InboxDoc }[] = [];
        chunk.forEach((r, i) => {
          if (existing[i].exists) duplicates.push(r.id);
          else {
            const t = r.receivedAt.getTime();
            const doc: InboxDoc = {
              v: 1,
              g: token(),
              w: token(),
              source: r.source,
              payload: r.payload,
              receivedAt: t,
              status: "pending",
              attempts: 0,
              availableAt: t,
              lastError: null,
              processedAt: null,
            };
            toCreate.push({ r, ref: refs[i], doc });
          }
        });
        if (toCreate.length === 0) continue;
        const batch = this.db.batch();
        for (const c of toCreate) batch.create(c.ref, c.doc);
        try {
          await batch.commit();
          for (const c of toCreate) accepted.push(c.r.id);
          continue;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
        // Another replica stored one of them meanwhile: settle each record on its own. A record
        // holding our generation was written by this call (the emulator may apply part of a
        // failed batch; real Firestore never does).
        await Promise.all(
          toCreate.map(async (c) => {
            try {
              await c.ref.create(c.doc);
              accepted.push(c.r.id);
            } catch (err) {
              if (!isConflict(err)) throw err;
              const snap = await c.ref.get();
              if ((snap.get("g") as string | undefined) === c.doc.g) accepted.push(c.r.id);
              else duplicates.push(c.r.id);
            }
          }),
        );
      }
      return { accepted, duplicates };
    });
  }

  /**
   * Applies `change` to each existing inbox record with one commit when nobody races us; on
   * a conflict re-reads and retries record by record. `change` returns null to leave a record.
   * Returns the records as written, keyed by id.
   */
  private async updateInbox(
    ids: string[],
    change: (current: InboxDoc) => Partial<InboxDoc> | null,
  ): Promise<Map<string, InboxDoc>> {
    const written = new Map<string, InboxDoc>();
    let pending = [...new Set(ids)];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= RETRIES) throw new StoreUnavailableError("firestore inbox update: too much contention");
      const refs = pending.map((id) => this.inboxRef(id));
      const snaps = await this.db.getAll(...refs);
      const writes: (CasWrite & { id: string; next: InboxDoc })[] = [];
      snaps.forEach((snap, i) => {
        if (!snap.exists) return;
        const cur = snap.data() as InboxDoc;
        const delta = change(cur);
        if (!delta) return;
        const next: InboxDoc = { ...cur, ...delta, v: cur.v + 1, w: token() };
        writes.push({ id: pending[i], ref: refs[i], g: cur.g, v: next.v, doc: { ...next }, next });
      });
      if (writes.length === 0) break;
      const retry: string[] = [];
      for (const part of chunks(writes, () => 1024)) {
        if (await this.commitCas(part)) {
          for (const w of part) written.set(w.id, w.next);
          continue;
        }
        // Which of them landed? Ours carry our write token.
        const after = await this.db.getAll(...part.map((w) => w.ref));
        part.forEach((w, i) => {
          if ((after[i].get("w") as string | undefined) === w.next.w) written.set(w.id, w.next);
          else retry.push(w.id);
        });
      }
      pending = retry;
    }
    return written;
  }

  async claimInbox(opts: { limit: number; leaseMs: number; now: Date }): Promise<InboxRecord[]> {
    return this.run("claimInbox", async () => {
      const now = opts.now.getTime();
      const snap = await this.db
        .collection("inbox")
        .where("status", "==", "pending")
        .where("availableAt", "<=", now)
        .orderBy("availableAt")
        .orderBy("receivedAt")
        .limit(opts.limit)
        .get();
      const order = snap.docs.map((d) => decodeDocId(d.id));
      // Only records still claimable when we write: another worker may have claimed or
      // finished one since the query.
      const written = await this.updateInbox(order, (cur) =>
        cur.status === "pending" && cur.availableAt <= now
          ? { attempts: cur.attempts + 1, availableAt: now + opts.leaseMs }
          : null,
      );
      return order.flatMap((id) => {
        const d = written.get(id);
        return d ? [toInboxRecord(id, d)] : [];
      });
    });
  }

  async completeInbox(ids: string[], now: Date): Promise<void> {
    await this.run("completeInbox", () =>
      this.updateInbox(ids, () => ({ status: "done", processedAt: now.getTime(), lastError: null })),
    );
  }

  async failInbox(id: string, error: string, retryAt: Date | null): Promise<void> {
    await this.run("failInbox", () =>
      this.updateInbox([id], () =>
        retryAt === null
          ? { status: "dead", lastError: error }
          : { availableAt: retryAt.getTime(), lastError: error },
      ),
    );
  }

  async reviveInbox(id: string, now: Date): Promise<boolean> {
    const written = await this.run("reviveInbox", () =>
      this.updateInbox([id], (cur) =>
        cur.status === "dead" ? { status: "pending", attempts: 0, availableAt: now.getTime() } : null,
      ),
    );
    return written.has(id);
  }

  async getInbox(id: string): Promise<InboxRecord | null> {
    const snap = await this.run("getInbox", () => this.inboxRef(id).get());
    return snap.exists ? toInboxRecord(id, snap.data() as InboxDoc) : null;
  }

  async listInbox(opts: {
    status?: InboxStatus;
    limit: number;
    receivedAfter?: Date;
    after?: InboxCursor;
  }): Promise<InboxRecord[]> {
    return this.run("listInbox", async () => {
      let q: FsQuery = this.db.collection("inbox");
      if (opts.status) q = q.where("status", "==", opts.status);
      if (opts.receivedAfter) q = q.where("receivedAt", ">", opts.receivedAfter.getTime());
      // Ties at one receivedAt are broken by document id; the (status, receivedAt) index
      // already ends with the document name, so no other index is needed.
      q = q.orderBy("receivedAt").orderBy(FieldPath.documentId());
      if (opts.after) q = q.startAfter(opts.after.receivedAt.getTime(), encodeDocId(opts.after.id));
      const snap = await q.limit(opts.limit).get();
      return snap.docs.map((d) => toInboxRecord(decodeDocId(d.id), d.data() as InboxDoc));
    });
  }

  async pruneInbox(before: Date, limit: number): Promise<number> {
    return this.run("pruneInbox", async () => {
      // Index inbox (status, receivedAt): firestore.indexes.json.
      const snap = await this.db
        .collection("inbox")
        .where("status", "==", "done")
        .where("receivedAt", "<", before.getTime())
        .orderBy("receivedAt")
        .limit(limit)
        .get();
      for (let i = 0; i < snap.docs.length; i += 500) {
        const batch = this.db.batch();
        for (const d of snap.docs.slice(i, i + 500)) batch.delete(d.ref);
        await batch.commit();
      }
      return snap.docs.length;
    });
  }

  async inboxCounts(): Promise<InboxCounts> {
    return this.run("inboxCounts", async () => {
      const statuses: InboxStatus[] = ["pending", "done", "dead"];
      const counts = await Promise.all(
        statuses.map(async (s) => {
          const agg = await this.db.collection("inbox").where("status", "==", s).count().get();
          return agg.data().count;
        }),
      );
      return { pending: counts[0], done: counts[1], dead: counts[2] };
    });
  }

  /** Firestore has no GROUP BY: one count aggregation per known source. */
  async inboxCountsBySource(since: Date): Promise<Record<string, number>> {
    return this.run("inboxCountsBySource", async () => {
      const out: Record<string, number> = {};
      await Promise.all(
        SourceSchema.options.map(async (source) => {
          const agg = await this.db
            .collection("inbox")
            .where("source", "==", source)
            .where("receivedAt", ">=", since.getTime())
            .count()
            .get();
          const n = agg.data().count;
          if (n > 0) out[source] = n;
        }),
      );
      return out;
    });
  }

  // ---- documents ----

  private toDoc<T>(snap: DocumentSnapshot): Doc<T> {
    const d = snap.data() as DataDoc;
    return { id: decodeDocId(snap.id), version: d.v, data: JSON.parse(d.j) as T };
  }

  async get<T>(col: Collection, id: string): Promise<Doc<T> | null> {
    const snap = await this.run("get", () => this.docRef(col, id).get());
    return snap.exists ? this.toDoc<T>(snap) : null;
  }

  private async tryCreate(ref: DocumentReference, data: unknown): Promise<boolean> {
    try {
      await ref.create(toDataDoc(data, 1, token(), token()));
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async create<T>(col: Collection, id: string, data: T): Promise<boolean> {
    return this.run("create", () => this.tryCreate(this.docRef(col, id), data));
  }

  async set<T>(col: Collection, id: string, data: T): Promise<void> {
    await this.run("set", async () => {
      const ref = this.docRef(col, id);
      for (let i = 0; i < RETRIES; i++) {
        const snap = await ref.get();
        if (!snap.exists) {
          if (await this.tryCreate(ref, data)) return;
          continue;
        }
        const cur = snap.data() as DataDoc;
        const v = cur.v + 1;
        if (await this.commitCas([{ ref, g: cur.g, v, doc: toDataDoc(data, v, cur.g, token()) }])) return;
      }
      throw new StoreUnavailableError(`firestore set ${col}: too much contention`);
    });
  }

  async replace<T>(col: Collection, id: string, data: T, expectedVersion: number): Promise<boolean> {
    return this.run("replace", async () => {
      const ref = this.docRef(col, id);
      const snap = await ref.get();
      if (!snap.exists) return false;
      const cur = snap.data() as DataDoc;
      if (cur.v !== expectedVersion) return false;
      const v = cur.v + 1;
      return this.commitCas([{ ref, g: cur.g, v, doc: toDataDoc(data, v, cur.g, token()) }]);
    });
  }

  async delete(col: Collection, id: string): Promise<void> {
    await this.run("delete", async () => {
      const ref = this.docRef(col, id);
      for (let i = 0; i < RETRIES; i++) {
        const snap = await ref.get();
        if (!snap.exists) return;
        const cur = snap.data() as DataDoc;
        // Taking the next slot makes any writer that read the old document fail.
        if (await this.commitCas([{ ref, g: cur.g, v: cur.v + 1, doc: null }])) return;
      }
      throw new StoreUnavailableError(`firestore delete ${col}: too much contention`);
    });
  }

  async query<T>(col: Collection, q: Query = {}): Promise<Doc<T>[]> {
    for (const w of q.where ?? [])
      if (!FIELD_NAME.test(w.field)) throw new Error(`query: bad field name ${w.field}`);
    if (q.orderBy && !FIELD_NAME.test(q.orderBy.field))
      throw new Error(`query: bad field name ${q.orderBy.field}`);
    return this.run("query", async () => {
      let fq: FsQuery = this.db.collection(col);
      for (const w of q.where ?? []) fq = fq.where(`q_${w.field}`, w.op, w.value);
      fq = q.orderBy
        ? fq.orderBy(`q_${q.orderBy.field}`, q.orderBy.direction === "desc" ? "desc" : "asc")
        : fq.orderBy(FieldPath.documentId());
      if (q.limit !== undefined) fq = fq.limit(q.limit);
      const snap = await fq.get();
      const docs = snap.docs.map((s) => this.toDoc<T>(s));
      // Same order as the SQLite adapter when no field order is asked for: by id.
      if (!q.orderBy) docs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return docs;
    });
  }
}

/** Splits items into commits that stay under Firestore's per-commit write and size limits. */
function chunks<T>(items: T[], size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const s = size(item);
    if (cur.length > 0 && (cur.length >= MAX_BATCH_WRITES / 2 || bytes + s > MAX_BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += s;
  }
  if (cur.length) out.push(cur);
  return out;
}
