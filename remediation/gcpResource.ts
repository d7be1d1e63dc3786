/**
 * Names of GCP resources whose IAM policy remediation edits, in every spelling the audit
 * logs and detectors use: "projects/p", "//cloudresourcemanager.googleapis.com/projects/p",
 * "folders/1", "organizations/2", "projects/_/buckets/b", "buckets/b", "gs://b",
 * "//storage.googleapis.com/b".
 */
export type GcpPolicyResource =
  | { kind: "project" | "folder" | "organization"; name: string; id: string }
  | { kind: "bucket"; name: string; id: string };

export function parseGcpResource(resource: string): GcpPolicyResource | undefined {
  const r = resource.trim();
  let m = /^(?:\/\/cloudresourcemanager\.googleapis\.com\/)?(projects|folders|organizations)\/([^/]+)$/.exec(
    r,
  );
  if (m) {
    const kind = m[1] === "projects" ? "project" : m[1] === "folders" ? "folder" : "organization";
    return { kind, id: m[2], name: `${m[1]}/${m[2]}` };
  }
  m =
    /^(?:\/\/storage\.googleapis\.com\/)?projects\/_\/buckets\/([^/]+)$/.exec(r) ??
    /^(?:buckets\/|gs:\/\/)([^/]+)\/?$/.exec(r) ??
    /^\/\/storage\.googleapis\.com\/([^/]+)$/.exec(r);
  if (m) return { kind: "bucket", id: m[1], name: `projects/_/buckets/${m[1]}` };
  return undefined;
}

/** "projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com" from an email, member or full name. */
export function serviceAccountName(value: string): string {
  const v = value.replace(/^serviceAccount:/, "");
  if (v.startsWith("projects/")) return v.replace(/\/keys\/.*$/, "");
  return `projects/-/serviceAccounts/${v}`;
}

/** The e-mail inside a service account name or member. */
export function serviceAccountEmail(value: string): string {
  const v = value.replace(/^serviceAccount:/, "");
  const m = /serviceAccounts\/([^/]+)/.exec(v);
  return m ? m[1] : v;
}

/** Full key name from a key name, or a service account plus key id. */
export function serviceAccountKeyName(key: string, serviceAccount?: string): string | undefined {
  if (/^projects\/[^/]+\/serviceAccounts\/[^/]+\/keys\/[^/]+$/.test(key)) return key;
  const m = /^\/\/iam\.googleapis\.com\/(projects\/[^/]+\/serviceAccounts\/[^/]+\/keys\/[^/]+)$/.exec(key);
  if (m) return m[1];
  if (serviceAccount && /^[A-Za-z0-9]+$/.test(key))
    return `${serviceAccountName(serviceAccount)}/keys/${key}`;
  return undefined;
}
