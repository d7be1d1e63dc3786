import type { IAMClient } from "@aws-sdk/client-iam";
import {
  AddUserToGroupCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import type { AwsClientFactory } from "../../remediation/awsClients";
import { AwsCaller } from "../../remediation/awsExecutor";
import { defaultRetry } from "../../remediation/errors";
import { appendAudit } from "../store/audit";
import type { Store } from "../store/store";
import type { JmlRow, JmlRowError } from "./jmlCsv";
import { parseJmlCsv } from "./jmlCsv";

/**
 * Applies JML CSV rows to AWS IAM: add creates the user and puts it in the position's groups;
 * move puts it in the new position's groups and takes it out of other managed groups; remove
 * deactivates and deletes its keys, deletes its console password, takes it out of its groups
 * and deletes the user. Every step reads first, so the same file twice changes nothing the
 * second time. Each changed row is written to the audit trail.
 */

export type JmlStatus = "changed" | "unchanged" | "would-change" | "error";

export interface JmlResult {
  line: number;
  username?: string;
  mode?: string;
  status: JmlStatus;
  changes: string[];
  error?: string;
}

export interface JmlReport {
  dryRun: boolean;
  results: JmlResult[];
  counts: Record<JmlStatus, number>;
}

export interface JmlDeps {
  aws: AwsClientFactory;
  account?: string;
  positions: Map<string, string[]>;
  store: Store;
  now: () => Date;
  actor: string;
}

async function pages<T>(fetch: (marker?: string) => Promise<{ items: T[]; marker?: string }>): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const p = await fetch(marker);
    all.push(...p.items);
    marker = p.marker;
  } while (marker);
  return all;
}

class IamState {
  constructor(
    private readonly c: AwsCaller,
    private readonly iam: IAMClient,
  ) {}
  async exists(user: string): Promise<boolean> {
    return Boolean(await this.c.sendOrMissing(this.iam, new GetUserCommand({ UserName: user })));
  }
  groups(user: string): Promise<string[]> {
    return pages(async (marker) => {
      const r = await this.c.send<{
        Groups?: { GroupName?: string }[];
        IsTruncated?: boolean;
        Marker?: string;
      }>(this.iam, new ListGroupsForUserCommand({ UserName: user, Marker: marker }));
      return {
        items: (r.Groups ?? []).map((g) => g.GroupName ?? "").filter(Boolean),
        marker: r.IsTruncated ? r.Marker : undefined,
      };
    });
  }
  keys(user: string): Promise<{ id: string; status: string }[]> {
    return pages(async (marker) => {
      const r = await this.c.send<{
        AccessKeyMetadata?: { AccessKeyId?: string; Status?: string }[];
        IsTruncated?: boolean;
        Marker?: string;
      }>(this.iam, new ListAccessKeysCommand({ UserName: user, Marker: marker }));
      return {
        items: (r.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? "", status: k.Status ?? "" })),
        marker: r.IsTruncated ? r.Marker : undefined,
      };
    });
  }
  async hasLoginProfile(user: string): Promise<boolean> {
    return Boolean(await this.c.sendOrMissing(this.iam, new GetLoginProfileCommand({ UserName: user })));
  }
}

async function applyRow(row: JmlRow, d: JmlDeps, dryRun: boolean, managed: Set<string>): Promise<JmlResult> {
  const c = new AwsCaller(d.aws, defaultRetry);
  const iam = d.aws.iam(d.account);
  const s = new IamState(c, iam);
  const u = row.username;
  const steps: { what: string; run: () => Promise<unknown> }[] = [];
  const base = { line: row.line, username: u, mode: row.mode };
  const exists = await s.exists(u);

  if (row.mode === "add" || row.mode === "move") {
    if (row.mode === "move" && !exists)
      return { ...base, status: "error", changes: [], error: `no IAM user "${u}" to move` };
    if (!exists)
      steps.push({
        what: `create IAM user ${u}`,
        run: () =>
          c.send(
            iam,
            new CreateUserCommand({ UserName: u, Tags: [{ Key: "jml-position", Value: row.position }] }),
          ),
      });
    const current = exists ? await s.groups(u) : [];
    for (const g of row.groups.filter((g) => !current.includes(g)))
      steps.push({
        what: `add ${u} to group ${g}`,
        run: () => c.send(iam, new AddUserToGroupCommand({ UserName: u, GroupName: g })),
      });
    if (row.mode === "move")
      for (const g of current.filter((g) => managed.has(g) && !row.groups.includes(g)))
        steps.push({
          what: `remove ${u} from group ${g}`,
          run: () => c.send(iam, new RemoveUserFromGroupCommand({ UserName: u, GroupName: g })),
        });
  } else if (exists) {
    for (const k of await s.keys(u)) {
      if (k.status === "Active")
        steps.push({
          what: `deactivate access key ${k.id}`,
          run: () =>
            c.send(iam, new UpdateAccessKeyCommand({ UserName: u, AccessKeyId: k.id, Status: "Inactive" })),
        });
      steps.push({
        what: `delete access key ${k.id}`,
        run: () => c.send(iam, new DeleteAccessKeyCommand({ UserName: u, AccessKeyId: k.id })),
      });
    }
    if (await s.hasLoginProfile(u))
      steps.push({
        what: "delete console password",
        run: () => c.send(iam, new DeleteLoginProfileCommand({ UserName: u })),
      });
    for (const g of await s.groups(u))
      steps.push({
        what: `remove from group ${g}`,
        run: () => c.send(iam, new RemoveUserFromGroupCommand({ UserName: u, GroupName: g })),
      });
    steps.push({
      what: `delete IAM user ${u}`,
      run: () => c.send(iam, new DeleteUserCommand({ UserName: u })),
    });
  }

  if (!steps.length) return { ...base, status: "unchanged", changes: [] };
  if (dryRun) return { ...base, status: "would-change", changes: steps.map((x) => x.what) };
  const done: string[] = [];
  for (const step of steps) {
    try {
      await step.run();
      done.push(step.what);
    } catch (err) {
      const msg = err instanceof Error ? err.message.slice(0, 200) : String(err);
      return { ...base, status: "error", changes: done, error: `${step.what} failed: ${msg}` };
    }
  }
  return { ...base, status: "changed", changes: done };
}

export async function importJml(text: string, d: JmlDeps, opts: { dryRun: boolean }): Promise<JmlReport> {
  const { rows, errors } = parseJmlCsv(text, d.positions);
  const managed = new Set([...d.positions.values()].flat());
  const results: JmlResult[] = errors.map((e: JmlRowError) => ({
    line: e.line,
    username: e.username,
    status: "error",
    changes: [],
    error: e.error,
  }));
  for (const row of rows) {
    let r: JmlResult;
    try {
      r = await applyRow(row, d, opts.dryRun, managed);
    } catch (err) {
      // A read that failed (denied, throttled past retries) fails this row only.
      const msg = err instanceof Error ? err.message.slice(0, 200) : String(err);
      r = {
        line: row.line,
        username: row.username,
        mode: row.mode,
        status: "error",
        changes: [],
        error: msg,
      };
    }
    results.push(r);
    if (r.changes.length && !opts.dryRun) {
      const at = d.now().toISOString();
      await appendAudit(d.store, {
        actor: d.actor,
        action: `jml.${row.mode}`,
        at,
        detail: {
          username: row.username,
          position: row.position,
          line: row.line,
          changes: r.changes,
          ...(r.error ? { error: r.error } : {}),
        },
      });
      await d.store.set("lifecycle", `jml-${at.replace(/\D/g, "")}-${row.line}`, {
        identityId: row.username,
        at,
        change: row.mode === "add" ? "joiner" : row.mode === "move" ? "mover" : "leaver",
        detail: `JML CSV: ${r.changes.join("; ")}`,
        status: "done",
      });
    }
  }
  results.sort((a, b) => a.line - b.line);
  const counts: Record<JmlStatus, number> = { changed: 0, unchanged: 0, "would-change": 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return { dryRun: opts.dryRun, results, counts };
}
