import { randomUUID } from "node:crypto";
import type { AuditEntry } from "../../detection/model";
import type { Store } from "./store";

// Entries written in the same millisecond keep the order this process wrote them in: the id is
// the time, then a per-process sequence number, and the log is read back in id order.
let sequence = 0;

/** Appends one entry to the audit log (who did what, when). Entries are never rewritten. */
export async function appendAudit(
  store: Store,
  entry: Omit<AuditEntry, "id" | "at"> & { at?: string },
): Promise<AuditEntry> {
  const at = entry.at ?? new Date().toISOString();
  const full: AuditEntry = {
    ...entry,
    id: `${at}-${(sequence++).toString(36).padStart(8, "0")}-${randomUUID()}`,
    at,
    detail: entry.detail ?? {},
  };
  await store.create("audit", full.id, full);
  return full;
}

export async function listAudit(
  store: Store,
  opts: { incidentId?: string; limit?: number } = {},
): Promise<AuditEntry[]> {
  const docs = await store.query<AuditEntry>("audit", {
    where: opts.incidentId ? [{ field: "incidentId", op: "==", value: opts.incidentId }] : [],
    orderBy: { field: "id", direction: "desc" },
    limit: opts.limit ?? 100,
  });
  return docs.map((d) => d.data);
}
