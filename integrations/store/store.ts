import { z } from "zod";

/**
 * The one storage interface (DESIGN.md, "Storage"). Two adapters implement it: SQLite
 * (embedded default) and Firestore (production, multi-replica). Both pass
 * test/store/storeContract.test.ts.
 *
 * Two kinds of state:
 * - the inbox: raw accepted records, deduped by source event id, claimed by one worker at a
 *   time with a lease, retried with backoff, parked as dead letters;
 * - documents in named collections, with a version number for compare-and-set and
 *   create-if-absent for anything two replicas or two responders could race on.
 */

export const InboxStatusSchema = z.enum(["pending", "done", "dead"]);
export type InboxStatus = z.infer<typeof InboxStatusSchema>;

export interface NewInboxRecord {
  /** `${source}:${source event id}` — the dedupe key. */
  id: string;
  source: string;
  /** The raw record as received (one CloudTrail record, one LogEntry, ...), JSON text. */
  payload: string;
  receivedAt: Date;
}

export interface InboxRecord extends NewInboxRecord {
  status: InboxStatus;
  attempts: number;
  /** Earliest time the record may be claimed again (backoff / lease expiry). */
  availableAt: Date;
  lastError?: string;
  processedAt?: Date;
}

/** Where a paged read of the inbox resumes: strictly after this (receivedAt, id). */
export interface InboxCursor {
  receivedAt: Date;
  id: string;
}

export interface InboxCounts {
  pending: number;
  done: number;
  dead: number;
}

export type Collection =
  | "incidents"
  | "identities"
  | "audit"
  | "settings"
  | "suppressions"
  | "baselines"
  | "models"
  | "conversations"
  | "claims"
  | "leases"
  | "usage"
  | "remediations"
  | "lifecycle";

export interface Doc<T> {
  id: string;
  /** Increments on every write; compare-and-set uses it. */
  version: number;
  data: T;
}

export type WhereOp = "==" | "!=" | "<" | "<=" | ">" | ">=";
export interface Where {
  /** Top-level field of the document (no dotted paths: both adapters index top-level fields). */
  field: string;
  op: WhereOp;
  value: string | number | boolean;
}
export interface Query {
  where?: Where[];
  orderBy?: { field: string; direction?: "asc" | "desc" };
  limit?: number;
}

export interface Store {
  readonly kind: "sqlite" | "firestore";
  /** Where the data lives, for start-up messages (never contains secrets). */
  readonly location: string;
  close(): Promise<void>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;

  // ---- inbox ----
  /** Durably stores records; returns which ids were new and which were already there. */
  putInbox(records: NewInboxRecord[]): Promise<{ accepted: string[]; duplicates: string[] }>;
  /**
   * Claims up to `limit` pending records available at `now` (oldest first) by pushing their
   * availableAt to now+leaseMs and counting an attempt. A record claimed by a worker that dies
   * becomes claimable again when the lease runs out.
   */
  claimInbox(opts: { limit: number; leaseMs: number; now: Date }): Promise<InboxRecord[]>;
  /** Marks records processed (one write for the whole batch). */
  completeInbox(ids: string[], now: Date): Promise<void>;
  /** retryAt null parks the record as a dead letter. */
  failInbox(id: string, error: string, retryAt: Date | null): Promise<void>;
  /** Puts a dead letter back to pending (operator action). */
  reviveInbox(id: string, now: Date): Promise<boolean>;
  getInbox(id: string): Promise<InboxRecord | null>;
  /**
   * Deletes up to `limit` processed ("done") records received before `before`, oldest first;
   * returns how many. Pending records and dead letters are never pruned.
   */
  pruneInbox(before: Date, limit: number): Promise<number>;
  /**
   * Records in receive order: by receivedAt, then id, so records received in the same
   * millisecond keep one stable order. `after` (the last record of the previous page) reads the
   * next page: every record exactly once, however many share a receivedAt.
   */
  listInbox(opts: {
    status?: InboxStatus;
    limit: number;
    receivedAfter?: Date;
    after?: InboxCursor;
  }): Promise<InboxRecord[]>;
  inboxCounts(): Promise<InboxCounts>;
  /** Events received since `since`, per source (for /immune status). */
  inboxCountsBySource(since: Date): Promise<Record<string, number>>;

  // ---- documents ----
  get<T>(col: Collection, id: string): Promise<Doc<T> | null>;
  /** Creates the document only if absent; false if it already exists (atomic). */
  create<T>(col: Collection, id: string, data: T): Promise<boolean>;
  /** Unconditional write (upsert). */
  set<T>(col: Collection, id: string, data: T): Promise<void>;
  /** Writes only if the stored version equals expectedVersion (atomic); false otherwise. */
  replace<T>(col: Collection, id: string, data: T, expectedVersion: number): Promise<boolean>;
  delete(col: Collection, id: string): Promise<void>;
  query<T>(col: Collection, q?: Query): Promise<Doc<T>[]>;
}

/**
 * Read-modify-write with compare-and-set, retried on conflict. `fn` returns the new data, or
 * undefined to leave the document as it is. Returns the document as finally stored.
 */
export async function mutate<T>(
  store: Store,
  col: Collection,
  id: string,
  fn: (current: T | null) => T | undefined,
  attempts = 20,
): Promise<Doc<T> | null> {
  for (let i = 0; i < attempts; i++) {
    const current = await store.get<T>(col, id);
    const next = fn(current ? current.data : null);
    if (next === undefined) return current;
    if (!current) {
      if (await store.create(col, id, next)) return { id, version: 1, data: next };
    } else if (await store.replace(col, id, next, current.version)) {
      return { id, version: current.version + 1, data: next };
    }
  }
  throw new Error(`mutate ${col}/${id}: too much contention, gave up after ${attempts} attempts`);
}

/** Thrown by adapters when the backing store cannot take a write; handlers answer 5xx. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
