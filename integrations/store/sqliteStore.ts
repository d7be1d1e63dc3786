import { closeSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SqliteCheckpointer } from "./sqliteCheckpointer";
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
  WhereOp,
} from "./store";
import { StoreUnavailableError } from "./store";

interface InboxRow {
  id: string;
  source: string;
  payload: string;
  received_at: number;
  status: InboxStatus;
  attempts: number;
  available_at: number;
  last_error: string | null;
  processed_at: number | null;
}

const SQL_OPS: Record<WhereOp, string> = {
  "==": "=",
  "!=": "!=",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function toRecord(r: InboxRow): InboxRecord {
  return {
    id: r.id,
    source: r.source,
    payload: r.payload,
    receivedAt: new Date(r.received_at),
    status: r.status,
    attempts: r.attempts,
    availableAt: new Date(r.available_at),
    lastError: r.last_error ?? undefined,
    processedAt: r.processed_at === null ? undefined : new Date(r.processed_at),
  };
}

/**
 * Embedded store: one SQLite file in WAL mode. Accepting events is the durable promise: a
 * putInbox resolves (the webhook's 2xx) only after the WAL frames of its commit are fsynced.
 * Every write commits with synchronous=NORMAL (no fsync inside SQLite); the inbox then fsyncs
 * the WAL file itself, in libuv's thread pool, so the event loop keeps serving while the disk
 * works: group commit. Requests that arrive while one fsync is in flight are committed and
 * wait for the next one, so one fsync covers many webhooks, and no request waits for more than
 * two. fsync works on the file, not the descriptor: it flushes every frame written before it
 * started, including other connections' and SQLite's own. Other writes (claims, completions,
 * incidents, audit) reach the disk with the next inbox fsync or the background one
 * (SYNC_EVERY_MS). The WAL is append-only, so a power cut can only drop a suffix of commits,
 * never an earlier one: a lost completion is simply processed again (the pipeline is
 * idempotent), and an incident write is never lost while a later completion survives. Before
 * this, a synchronous fsync per commit blocked the event loop for 4-16 ms each time.
 * Several processes may open the same file; SQLite's write lock makes claims and
 * compare-and-set atomic across them.
 */
const SYNC_EVERY_MS = 1000;
const NOT_FSYNCED = new Set([
  "putInbox",
  "pruneInbox",
  "claimInbox",
  "completeInbox",
  "failInbox",
  "reviveInbox",
  "create",
  "set",
  "replace",
  "delete",
]);

export interface SqliteStoreOptions {
  /**
   * Writes after which WAL checkpoints move to a worker thread (sqliteCheckpointer.ts); until
   * then SQLite checkpoints by itself, which costs nothing noticeable at low rates and spares a
   * short-lived store (a CLI run) the thread.
   */
  checkpointAfterWrites?: number;
  /** How often the worker checkpoints. */
  checkpointEveryMs?: number;
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  readonly location: string;
  private db: Database.Database;
  private checkpointer?: SqliteCheckpointer;
  private readonly checkpointAfterWrites: number;
  private readonly checkpointEveryMs: number;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.location = path;
    this.checkpointAfterWrites = opts.checkpointAfterWrites ?? 500;
    this.checkpointEveryMs = opts.checkpointEveryMs ?? 250;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS inbox (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        available_at INTEGER NOT NULL,
        last_error TEXT,
        processed_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS inbox_claim ON inbox(status, available_at);
      CREATE INDEX IF NOT EXISTS inbox_received ON inbox(received_at);
      -- Paged reads of one status in receive order (training history): without it every page
      -- sorted all records of that status.
      CREATE INDEX IF NOT EXISTS inbox_status_received ON inbox(status, received_at, id);
      CREATE TABLE IF NOT EXISTS docs (
        col TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (col, id)
      );
    `);
  }

  /** Prepared statements, compiled once: preparing on every call cost as much as running. */
  private readonly statements = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      const result = fn();
      if (NOT_FSYNCED.has(what)) this.wrote();
      return result;
    } catch (err) {
      throw new StoreUnavailableError(`sqlite ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Writes committed since the last fsync started (see the class comment). */
  private writes = 0;
  private syncedWrites = 0;
  private syncTimer?: NodeJS.Timeout;

  private wrote(): void {
    this.writes++;
    if (!this.checkpointer && this.writes >= this.checkpointAfterWrites) this.startCheckpointer();
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.writes !== this.syncedWrites) this.requestSync().catch(() => this.wrote());
    }, SYNC_EVERY_MS);
    this.syncTimer.unref();
  }

  private startCheckpointer(): void {
    if (this.location === ":memory:" || !this.db.open) return;
    this.db.pragma("wal_autocheckpoint = 0");
    this.checkpointer = new SqliteCheckpointer(this.location, this.checkpointEveryMs, (r) => {
      if (r.ok) return;
      // The worker cannot checkpoint: SQLite goes back to doing it itself, so the WAL never
      // grows without bound.
      if (this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
      void this.checkpointer?.stop();
    });
  }

  /** The checkpoint worker's last report (tests, diagnostics); undefined before it starts. */
  get checkpointStatus() {
    return this.checkpointer?.last;
  }

  /** Descriptor of the WAL file, reopened if SQLite ever replaced the file. */
  private wal?: { fd: number; ino: number };

  private walFd(): number | undefined {
    if (this.location === ":memory:") return undefined;
    const path = `${this.location}-wal`;
    const ino = statSync(path).ino;
    if (this.wal?.ino === ino) return this.wal.fd;
    if (this.wal) closeSync(this.wal.fd);
    const fd = openSync(path, "r");
    this.wal = { fd, ino: fstatSync(fd).ino };
    // A new WAL file's directory entry must be durable too.
    const dir = openSync(dirname(path), "r");
    try {
      fsyncFd(dir);
    } finally {
      closeSync(dir);
    }
    return fd;
  }

  /** One fsync in flight at a time; callers that come during it share the next one. */
  private syncing?: Promise<void>;
  private nextSync?: Promise<void>;

  private requestSync(): Promise<void> {
    if (!this.syncing) {
      this.syncing = this.fsyncWal().finally(() => {
        this.syncing = undefined;
      });
      return this.syncing;
    }
    this.nextSync ??= this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = undefined;
        return this.requestSync();
      });
    return this.nextSync;
  }

  private fsyncWal(): Promise<void> {
    const covered = this.writes;
    let fd: number | undefined;
    try {
      fd = this.db.open ? this.walFd() : undefined;
    } catch (err) {
      return Promise.reject(new StoreUnavailableError(`sqlite fsync failed: ${(err as Error).message}`));
    }
    if (fd === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        if (err)
          return reject(new StoreUnavailableError(`sqlite fsync failed: ${err.message}`, { cause: err }));
        this.syncedWrites = Math.max(this.syncedWrites, covered);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await this.nextSync?.catch(() => undefined);
    await this.syncing?.catch(() => undefined);
    await this.checkpointer?.stop();
    if (this.wal) closeSync(this.wal.fd);
    this.wal = undefined;
    // Closing the last connection checkpoints the WAL into the database (fsynced) and removes it.
    if (this.db.open) this.db.close();
  }

  async ping(): Promise<void> {
    this.run("ping", () => this.stmt("SELECT 1").get());
  }

  /**
   * Group commit: requests arriving while a commit is being prepared share one transaction,
   * so one fsync covers many webhooks. Each caller still resolves only after its own records
   * are on disk.
   */
  private pendingPuts: {
    records: NewInboxRecord[];
    resolve: (r: { accepted: string[]; duplicates: string[] }) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private flushScheduled = false;

  putInbox(records: NewInboxRecord[]): Promise<{ accepted: string[]; duplicates: string[] }> {
    return new Promise((resolve, reject) => {
      this.pendingPuts.push({ records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushPuts());
      }
    });
  }

  private flushPuts(): void {
    this.flushScheduled = false;
    const batch = this.pendingPuts;
    this.pendingPuts = [];
    const insert = this.stmt(
      `INSERT OR IGNORE INTO inbox (id, source, payload, received_at, status, attempts, available_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?)`,
    );
    const results = batch.map(() => ({ accepted: [] as string[], duplicates: [] as string[] }));
    const tx = this.db.transaction(() => {
      batch.forEach((req, i) => {
        for (const r of req.records) {
          const t = r.receivedAt.getTime();
          const info = insert.run(r.id, r.source, r.payload, t, t);
          (info.changes > 0 ? results[i].accepted : results[i].duplicates).push(r.id);
        }
      });
    });
    try {
      this.run("putInbox", () => tx.immediate());
    } catch (err) {
      for (const req of batch) req.reject(err);
      return;
    }
    // Committed; answered only once the commit is on disk.
    this.requestSync().then(
      () => {
        batch.forEach((req, i) => {
          req.resolve(results[i]);
        });
      },
      (err) => {
        for (const req of batch) req.reject(err);
      },
    );
  }

  async claimInbox(opts: { limit: number; leaseMs: number; now: Date }): Promise<InboxRecord[]> {
    const now = opts.now.getTime();
    const select = this.stmt(
      `SELECT * FROM inbox WHERE status = 'pending' AND available_at <= ? ORDER BY available_at, received_at LIMIT ?`,
    );
    const lease = this.stmt(`UPDATE inbox SET available_at = ?, attempts = attempts + 1 WHERE id = ?`);
    const tx = this.db.transaction(() => {
      const rows = select.all(now, opts.limit) as InboxRow[];
      for (const r of rows) {
        lease.run(now + opts.leaseMs, r.id);
        r.attempts += 1;
        r.available_at = now + opts.leaseMs;
      }
      return rows.map(toRecord);
    });
    return this.run("claimInbox", () => tx.immediate());
  }

  async completeInbox(ids: string[], now: Date): Promise<void> {
    const update = this.stmt(
      `UPDATE inbox SET status = 'done', processed_at = ?, last_error = NULL WHERE id = ?`,
    );
    const tx = this.db.transaction(() => {
      for (const id of ids) update.run(now.getTime(), id);
    });
    this.run("completeInbox", () => tx.immediate());
  }

  async failInbox(id: string, error: string, retryAt: Date | null): Promise<void> {
    this.run("failInbox", () => {
      if (retryAt === null) {
        this.stmt(`UPDATE inbox SET status = 'dead', last_error = ? WHERE id = ?`).run(error, id);
      } else {
        this.stmt(`UPDATE inbox SET available_at = ?, last_error = ? WHERE id = ?`).run(
          retryAt.getTime(),
          error,
          id,
        );
      }
    });
  }

  async reviveInbox(id: string, now: Date): Promise<boolean> {
    const info = this.run("reviveInbox", () =>
      this.stmt(
        `UPDATE inbox SET status = 'pending', attempts = 0, available_at = ? WHERE id = ? AND status = 'dead'`,
      ).run(now.getTime(), id),
    );
    return info.changes > 0;
  }

  async getInbox(id: string): Promise<InboxRecord | null> {
    const row = this.run("getInbox", () => this.stmt(`SELECT * FROM inbox WHERE id = ?`).get(id)) as
      | InboxRow
      | undefined;
    return row ? toRecord(row) : null;
  }

  async listInbox(opts: {
    status?: InboxStatus;
    limit: number;
    receivedAfter?: Date;
    after?: InboxCursor;
  }): Promise<InboxRecord[]> {
    const clauses: string[] = [];
    const args: (string | number)[] = [];
    if (opts.status) {
      clauses.push("status = ?");
      args.push(opts.status);
    }
    // One lower bound, the tighter of the two: given both, SQLite ranges over the index by
    // receivedAfter and filters the cursor, so every page would rescan from the window start.
    const since = opts.receivedAfter?.getTime();
    if (opts.after && (since === undefined || opts.after.receivedAt.getTime() > since)) {
      clauses.push("(received_at, id) > (?, ?)");
      args.push(opts.after.receivedAt.getTime(), opts.after.id);
    } else if (since !== undefined) {
      clauses.push("received_at > ?");
      args.push(since);
    }
    const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
    const rows = this.run("listInbox", () =>
      this.stmt(`SELECT * FROM inbox ${where} ORDER BY received_at, id LIMIT ?`).all(...args, opts.limit),
    ) as InboxRow[];
    return rows.map(toRecord);
  }

  async pruneInbox(before: Date, limit: number): Promise<number> {
    const info = this.run("pruneInbox", () =>
      this.stmt(
        `DELETE FROM inbox WHERE rowid IN (
           SELECT rowid FROM inbox WHERE status = 'done' AND received_at < ? ORDER BY received_at LIMIT ?)`,
      ).run(before.getTime(), limit),
    );
    return info.changes;
  }

  async inboxCounts(): Promise<InboxCounts> {
    const rows = this.run("inboxCounts", () =>
      this.stmt(`SELECT status, COUNT(*) AS n FROM inbox GROUP BY status`).all(),
    ) as { status: InboxStatus; n: number }[];
    const counts: InboxCounts = { pending: 0, done: 0, dead: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  async inboxCountsBySource(since: Date): Promise<Record<string, number>> {
    const rows = this.run("inboxCountsBySource", () =>
      this.stmt(`SELECT source, COUNT(*) AS n FROM inbox WHERE received_at >= ? GROUP BY source`).all(
        since.getTime(),
      ),
    ) as { source: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.source, r.n]));
  }

  async get<T>(col: Collection, id: string): Promise<Doc<T> | null> {
    const row = this.run("get", () =>
      this.stmt(`SELECT version, data FROM docs WHERE col = ? AND id = ?`).get(col, id),
    ) as { version: number; data: string } | undefined;
    return row ? { id, version: row.version, data: JSON.parse(row.data) as T } : null;
  }

  async create<T>(col: Collection, id: string, data: T): Promise<boolean> {
    const info = this.run("create", () =>
      this.stmt(`INSERT OR IGNORE INTO docs (col, id, version, data) VALUES (?, ?, 1, ?)`).run(
        col,
        id,
        JSON.stringify(data),
      ),
    );
    return info.changes > 0;
  }

  async set<T>(col: Collection, id: string, data: T): Promise<void> {
    this.run("set", () =>
      this.stmt(
        `INSERT INTO docs (col, id, version, data) VALUES (?, ?, 1, ?)
           ON CONFLICT (col, id) DO UPDATE SET version = version + 1, data = excluded.data`,
      ).run(col, id, JSON.stringify(data)),
    );
  }

  async replace<T>(col: Collection, id: string, data: T, expectedVersion: number): Promise<boolean> {
    const info = this.run("replace", () =>
      this.stmt(
        `UPDATE docs SET version = version + 1, data = ? WHERE col = ? AND id = ? AND version = ?`,
      ).run(JSON.stringify(data), col, id, expectedVersion),
    );
    return info.changes > 0;
  }

  async delete(col: Collection, id: string): Promise<void> {
    this.run("delete", () => this.stmt(`DELETE FROM docs WHERE col = ? AND id = ?`).run(col, id));
  }

  async query<T>(col: Collection, q: Query = {}): Promise<Doc<T>[]> {
    const clauses = ["col = ?"];
    const args: (string | number)[] = [col];
    for (const w of q.where ?? []) {
      if (!FIELD_NAME.test(w.field)) throw new Error(`query: bad field name ${w.field}`);
      clauses.push(`json_extract(data, '$.${w.field}') ${SQL_OPS[w.op]} ?`);
      args.push(typeof w.value === "boolean" ? (w.value ? 1 : 0) : w.value);
    }
    let sql = `SELECT id, version, data FROM docs WHERE ${clauses.join(" AND ")}`;
    if (q.orderBy) {
      if (!FIELD_NAME.test(q.orderBy.field)) throw new Error(`query: bad field name ${q.orderBy.field}`);
      sql += ` ORDER BY json_extract(data, '$.${q.orderBy.field}') ${q.orderBy.direction === "desc" ? "DESC" : "ASC"}, id`;
    } else {
      sql += " ORDER BY id";
    }
    if (q.limit !== undefined) {
      sql += " LIMIT ?";
      args.push(q.limit);
    }
    const rows = this.run("query", () => this.stmt(sql).all(...args)) as {
      id: string;
      version: number;
      data: string;
    }[];
    return rows.map((r) => ({ id: r.id, version: r.version, data: JSON.parse(r.data) as T }));
  }
}

/** fsync of a directory: some file systems refuse it, which is harmless here. */
function fsyncFd(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    // The file itself is fsynced on every commit regardless.
  }
}
