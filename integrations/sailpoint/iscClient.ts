import { z } from "zod";

/**
 * SailPoint Identity Security Cloud API client: OAuth2 client credentials (POST /oauth/token),
 * the token cached until shortly before it expires and fetched again when ISC answers 401;
 * list endpoints paged with offset/limit and count=true, whose X-Total-Count header says when
 * to stop. Uses fetch so it talks to the real tenant and the local stand-in alike.
 */

const TokenSchema = z.object({
  access_token: z.string(),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
});

export const IscIdentitySchema = z.object({
  id: z.string(),
  name: z.string(),
  alias: z.string().optional(),
  emailAddress: z.string().nullish(),
  lifecycleState: z.object({ stateName: z.string(), manuallyUpdated: z.boolean().optional() }).nullish(),
  managerRef: z.object({ id: z.string().optional(), name: z.string().optional() }).nullish(),
  attributes: z.record(z.string(), z.unknown()).default({}),
});
export type IscIdentity = z.infer<typeof IscIdentitySchema>;

export const IscAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  nativeIdentity: z.string(),
  sourceId: z.string(),
  sourceName: z.string().optional(),
  identityId: z.string().optional(),
  disabled: z.boolean().optional(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});
export type IscAccount = z.infer<typeof IscAccountSchema>;

export interface IscClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Items per page (ISC allows up to 250). */
  pageSize?: number;
  /** Refresh this long before the token's stated expiry. */
  refreshMarginMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

export class IscError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "IscError";
  }
}

export class IscClient {
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;
  /** Tokens fetched so far (for status and tests). */
  tokensIssued = 0;
  private readonly base: string;
  private readonly f: typeof fetch;

  constructor(private readonly o: IscClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, "");
    this.f = o.fetch ?? fetch;
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.o.clientId,
      client_secret: this.o.clientSecret,
    });
    const res = await this.f(`${this.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
    });
    // Never echo the response: a misconfigured proxy could reflect the secret.
    if (!res.ok) throw new IscError(`ISC token request failed with HTTP ${res.status}`, res.status);
    const t = TokenSchema.parse(await res.json());
    this.tokensIssued++;
    const margin = this.o.refreshMarginMs ?? 60_000;
    this.token = { value: t.access_token, expiresAt: this.now() + t.expires_in * 1000 - margin };
    return t.access_token;
  }

  /** A valid access token; concurrent callers share one refresh. */
  async accessToken(force = false): Promise<string> {
    if (!force && this.token && this.now() < this.token.expiresAt) return this.token.value;
    if (!this.pending) {
      this.pending = this.fetchToken().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async get(path: string, query: Record<string, string | number | undefined>): Promise<Response> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.accessToken(attempt > 0);
      const res = await this.f(url, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      });
      // A token revoked or expired early: fetch a new one once.
      if (res.status === 401 && attempt === 0) continue;
      if (!res.ok) throw new IscError(`ISC GET ${path} failed with HTTP ${res.status}`, res.status);
      return res;
    }
    throw new IscError(`ISC GET ${path}: unauthorized after refreshing the token`, 401);
  }

  /** Every item of a list endpoint, page by page. */
  async listAll<T>(path: string, schema: z.ZodType<T>, filters?: string): Promise<T[]> {
    const limit = this.o.pageSize ?? 250;
    const out: T[] = [];
    for (let offset = 0; ; offset += limit) {
      const res = await this.get(path, { offset, limit, count: "true", filters });
      const page = z.array(schema).parse(await res.json());
      out.push(...page);
      const total = Number(res.headers.get("x-total-count"));
      const done =
        Number.isFinite(total) && res.headers.has("x-total-count")
          ? offset + limit >= total
          : page.length < limit;
      if (done || page.length === 0) return out;
    }
  }

  listIdentities(filters?: string): Promise<IscIdentity[]> {
    return this.listAll("/beta/identities", IscIdentitySchema, filters);
  }

  listAccounts(filters?: string): Promise<IscAccount[]> {
    return this.listAll("/v3/accounts", IscAccountSchema, filters);
  }

  async getIdentity(id: string): Promise<IscIdentity | undefined> {
    try {
      const res = await this.get(`/beta/identities/${encodeURIComponent(id)}`, {});
      return IscIdentitySchema.parse(await res.json());
    } catch (err) {
      if (err instanceof IscError && err.status === 404) return undefined;
      throw err;
    }
  }

  async findByEmail(email: string): Promise<IscIdentity | undefined> {
    const found = await this.listIdentities(`email eq "${email.replace(/"/g, "")}"`);
    return found[0];
  }

  /** The person's accounts: AWS user ARNs and emails among them become identity aliases. */
  accountsOf(identityId: string): Promise<IscAccount[]> {
    return this.listAccounts(`identityId eq "${identityId.replace(/"/g, "")}"`);
  }
}
