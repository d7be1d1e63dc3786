import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { storeContract } from "./storeContract";

const dir = mkdtempSync(join(tmpdir(), "immune-sqlite-contract-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A real file (WAL, fsync) as in production, a fresh one per test.
storeContract("sqlite", async () => new SqliteStore(join(dir, `store-${n++}.db`)));
