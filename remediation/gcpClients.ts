import { cloudresourcemanager_v3, auth as crmAuth } from "googleapis/build/src/apis/cloudresourcemanager";
import { iam_v1 } from "googleapis/build/src/apis/iam";
import { storage_v1 } from "googleapis/build/src/apis/storage";

/** The three Google APIs remediation calls. Tests build them against a local stand-in. */
export interface GcpClients {
  crm: cloudresourcemanager_v3.Cloudresourcemanager;
  storage: storage_v1.Storage;
  iam: iam_v1.Iam;
}

export interface GcpClientOptions {
  /**
   * Root URL for all three APIs (config GOOGLE_API_ROOT_URL). When set, no credentials are
   * sent (a local stand-in); unset, Google's endpoints with Application Default Credentials.
   */
  rootUrl?: string;
}

export function createGcpClients(opts: GcpClientOptions = {}): GcpClients {
  // Retries are ours (remediation/errors.ts withRetry): bounded, and aware of etag conflicts.
  const common = opts.rootUrl
    ? { rootUrl: opts.rootUrl.endsWith("/") ? opts.rootUrl : `${opts.rootUrl}/`, retry: false }
    : {
        auth: new crmAuth.GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }),
        retry: false,
      };
  return {
    crm: new cloudresourcemanager_v3.Cloudresourcemanager(common),
    storage: new storage_v1.Storage(common),
    iam: new iam_v1.Iam(common),
  };
}
