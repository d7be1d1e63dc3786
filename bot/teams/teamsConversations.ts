import type { ConversationReference } from "botbuilder";
import type { Store } from "../../integrations/store/store";

/**
 * Where the bot may post in Teams, learned from Teams itself: every install, message or card
 * press carries a conversation reference, kept in the store ("conversations", one document per
 * conversation) so any replica can post proactively later. Teams user ids (MRIs, "29:…") of
 * the people who talked to the bot are kept too: the card's refresh list needs MRIs, while
 * approvers are configured by Azure AD object id.
 */
export interface TeamsConversation {
  platform: "teams";
  conversationId: string;
  /** "channel" | "groupChat" | "personal" */
  conversationType: string;
  name?: string;
  teamId?: string;
  reference: Partial<ConversationReference>;
  updatedAt: string;
}

export interface TeamsUser {
  platform: "teams-user";
  aadObjectId: string;
  mri: string;
  name?: string;
  updatedAt: string;
}

/** A reply thread in a channel is "<channel id>;messageid=<root>": the channel is the first part. */
export function baseConversationId(id: string): string;
export function baseConversationId(id: string | undefined): string | undefined;
export function baseConversationId(id: string | undefined): string | undefined {
  return id?.split(";messageid=")[0];
}

const convId = (conversationId: string) => `teams:${conversationId}`;
const userId = (aadObjectId: string) => `teams-user:${aadObjectId}`;

export class TeamsConversations {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records (or refreshes) a conversation the bot is in. */
  async remember(reference: Partial<ConversationReference>, teamId?: string): Promise<void> {
    if (!reference.conversation?.id || !reference.serviceUrl) return;
    const conversation = { ...reference.conversation, id: baseConversationId(reference.conversation.id) };
    const doc: TeamsConversation = {
      platform: "teams",
      conversationId: conversation.id,
      conversationType: conversation.conversationType ?? "personal",
      ...(conversation.name ? { name: conversation.name } : {}),
      ...(teamId ? { teamId } : {}),
      // The message id a reference carries is the one it was taken from; posts start fresh.
      // JSON round trip: no undefined fields (Firestore refuses them).
      reference: JSON.parse(JSON.stringify({ ...reference, conversation, activityId: undefined })),
      updatedAt: this.now().toISOString(),
    };
    const existing = await this.store.get<TeamsConversation>("conversations", convId(conversation.id));
    const same =
      existing &&
      existing.data.reference.serviceUrl === reference.serviceUrl &&
      existing.data.conversationType === doc.conversationType &&
      existing.data.teamId === doc.teamId;
    // Skip the write on every message when nothing changed (keeps the hot path one read).
    if (!same) await this.store.set("conversations", convId(conversation.id), doc);
  }

  async forget(conversationId: string): Promise<void> {
    await this.store.delete("conversations", convId(conversationId));
  }

  async get(conversationId: string): Promise<TeamsConversation | undefined> {
    return (await this.store.get<TeamsConversation>("conversations", convId(conversationId)))?.data;
  }

  async all(): Promise<TeamsConversation[]> {
    const docs = await this.store.query<TeamsConversation>("conversations", {
      where: [{ field: "platform", op: "==", value: "teams" }],
    });
    return docs.map((d) => d.data);
  }

  /**
   * Where incident cards and the digest go: the configured conversation ids, else every team
   * channel and group chat the bot is in (personal chats only get answers, not broadcasts).
   */
  async targets(configured: string[]): Promise<TeamsConversation[]> {
    const all = await this.all();
    if (configured.length) return all.filter((c) => configured.includes(c.conversationId));
    return all.filter((c) => c.conversationType === "channel" || c.conversationType === "groupChat");
  }

  async rememberUser(aadObjectId: string | undefined, mri: string | undefined, name?: string): Promise<void> {
    if (!aadObjectId || !mri) return;
    const existing = await this.store.get<TeamsUser>("conversations", userId(aadObjectId));
    if (existing?.data.mri === mri) return;
    await this.store.set<TeamsUser>("conversations", userId(aadObjectId), {
      platform: "teams-user",
      aadObjectId,
      mri,
      ...(name ? { name } : {}),
      updatedAt: this.now().toISOString(),
    });
  }

  /** The MRIs of these Azure AD users, as far as the bot has met them. */
  async mris(aadObjectIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of aadObjectIds) {
      const doc = await this.store.get<TeamsUser>("conversations", userId(id));
      if (doc) out.set(id, doc.data.mri);
    }
    return out;
  }
}
