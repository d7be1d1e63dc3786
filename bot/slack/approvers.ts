import type { WebClient } from "@slack/web-api";

/**
 * Who may approve and undo: SLACK_APPROVERS lists user ids (U…/W…) and user-group ids (S…).
 * Group membership comes from usergroups.users.list, cached briefly so a press answers fast
 * and a removal from the group takes effect within a minute. When Slack cannot be asked and
 * nothing is cached, the answer is no (fail closed).
 */
export class ApproverDirectory {
  private cache = new Map<string, { users: Set<string>; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly approvers: string[],
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown, group: string) => void = () => {},
  ) {}

  get configured(): boolean {
    return this.approvers.length > 0;
  }

  async isApprover(userId: string): Promise<boolean> {
    if (this.approvers.includes(userId)) return true;
    for (const group of this.approvers.filter((a) => a.startsWith("S"))) {
      if ((await this.members(group)).has(userId)) return true;
    }
    return false;
  }

  private async members(group: string): Promise<Set<string>> {
    const hit = this.cache.get(group);
    if (hit && hit.until > this.now()) return hit.users;
    try {
      const res = await this.client.usergroups.users.list({ usergroup: group });
      const users = new Set(res.users ?? []);
      this.cache.set(group, { users, until: this.now() + this.ttlMs });
      return users;
    } catch (err) {
      this.onError(err, group);
      return hit?.users ?? new Set();
    }
  }
}
