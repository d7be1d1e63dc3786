import { google } from "googleapis";
import type { UsageDoc } from "./usage";

/** What a principal holds, from wherever the grants are known. */
export interface PrincipalGrants {
  /** GCP: resource → unconditional roles bound to the member there. */
  gcpBindings: Record<string, string[]>;
  /** GCP custom roles' permissions, when known (projects/P/roles/ID → permissions). */
  gcpCustomRoles: Record<string, string[]>;
  /** AWS managed policy ARNs attached to the principal. */
  awsManagedPolicies: string[];
  /** AWS inline policy name → document. */
  awsInlinePolicies: Record<string, unknown>;
}

export interface GrantSource {
  grantsFor(doc: UsageDoc): Promise<PrincipalGrants>;
}

/** Grants as observed in policy-change events (kept on the usage document). */
export function observedGrants(doc: UsageDoc): PrincipalGrants {
  return {
    gcpBindings: doc.gcpBindings,
    gcpCustomRoles: {},
    awsManagedPolicies: doc.awsManagedPolicies,
    awsInlinePolicies: doc.awsInlinePolicies,
  };
}

export const observedGrantSource: GrantSource = {
  grantsFor: async (doc) => observedGrants(doc),
};

/** Minimal slice of googleapis' Cloud Resource Manager v1 the source calls. */
export interface ProjectsIamClient {
  getIamPolicy(params: {
    resource: string;
    requestBody: { options: { requestedPolicyVersion: number } };
  }): Promise<{
    data: { bindings?: { role?: string | null; members?: string[] | null; condition?: unknown }[] };
  }>;
}

export function cloudResourceManagerProjects(
  options: { auth?: unknown; rootUrl?: string } = {},
): ProjectsIamClient {
  const crm = google.cloudresourcemanager({
    version: "v1",
    ...(options.auth ? { auth: options.auth as never } : {}),
    ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}),
  });
  return crm.projects as unknown as ProjectsIamClient;
}

/**
 * Current project-level bindings read with getIamPolicy for the configured projects (the
 * authoritative answer there), observed grants for every other resource. Each project's
 * policy is read once per source instance; make a new instance per recommendation run.
 */
export class GcpProjectGrantSource implements GrantSource {
  private policies = new Map<string, Promise<Map<string, string[]>>>();

  constructor(
    private readonly projects: string[],
    private readonly client: ProjectsIamClient,
  ) {}

  private projectBindings(project: string): Promise<Map<string, string[]>> {
    let p = this.policies.get(project);
    if (!p) {
      p = this.client
        .getIamPolicy({ resource: project, requestBody: { options: { requestedPolicyVersion: 3 } } })
        .then((res) => {
          const byMember = new Map<string, string[]>();
          for (const b of res.data.bindings ?? []) {
            // Conditional bindings are left alone (replacing them would drop the condition).
            if (!b.role || b.condition) continue;
            for (const m of b.members ?? []) {
              const key = m.toLowerCase();
              byMember.set(key, [...(byMember.get(key) ?? []), b.role]);
            }
          }
          return byMember;
        });
      this.policies.set(project, p);
    }
    return p;
  }

  async grantsFor(doc: UsageDoc): Promise<PrincipalGrants> {
    const grants = observedGrants(doc);
    if (doc.cloud !== "gcp") return grants;
    const bindings = { ...grants.gcpBindings };
    for (const project of this.projects) {
      const roles = (await this.projectBindings(project)).get(doc.member.toLowerCase()) ?? [];
      if (roles.length) bindings[`projects/${project}`] = [...new Set(roles)].sort();
      else delete bindings[`projects/${project}`];
    }
    return { ...grants, gcpBindings: bindings };
  }
}
