import { type Detector, NO_FINDINGS } from "../../detector";
import type { IamEvent } from "../../model";
import { gcpDetails } from "../../normalize/gcpDetails";
import {
  credentialsCall,
  hierarchySetIamPolicy,
  logEntry,
  PROJECT,
  saEmail,
  serviceAccountKeyCall,
} from "./exampleRecords";
import { describeTarget } from "./gcpRules";

/** Calls that change who can do what, or mint credentials. */
function isSensitive(event: IamEvent): boolean {
  const d = gcpDetails(event);
  return (
    event.grants.length > 0 ||
    /SetIamPolicy$|setIamPermissions$/i.test(event.action) ||
    Boolean(
      d?.serviceAccountKey || d?.impersonation || d?.customRole || d?.sinkChange || d?.exclusionChange,
    ) ||
    Boolean(d?.auditConfigDeltas?.length)
  );
}

/**
 * A sensitive call (IAM change, key or token minting, custom role, logging config) made
 * through service-account delegation (authenticationInfo.serviceAccountDelegationInfo): the
 * real caller hid behind one or more service accounts. Routine reads through delegation are
 * ignored. Severity: medium; high when the chain has two or more hops.
 */
export const gcpDelegationChain: Detector = {
  id: "gcp-delegation-chain",
  title: "Sensitive call made through service-account delegation",
  category: "sa_impersonation",
  severity: "medium",
  sources: ["gcp"],
  match(event) {
    const chain = event.actor.delegationChain;
    if (!event.success || !chain.length || !isSensitive(event)) return NO_FINDINGS;
    const path = [...chain, event.actor.id].join(" → ");
    return [
      {
        severity: chain.length >= 2 ? "high" : "medium",
        summary: `${path} called ${event.action.split(".").pop()} on ${describeTarget(event.target)}`,
        evidence: {
          delegationChain: chain,
          originalCaller: chain[0],
          effectiveIdentity: event.actor.id,
          action: event.action,
          resource: event.target.id,
          project: event.target.project,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "user acting as the deployer SA grants Owner",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:judy@example.com"]], {
          principal: saEmail("deployer"),
          delegation: ["judy@example.com"],
        }),
      },
      {
        name: "two-hop chain mints a key",
        record: serviceAccountKeyCall("Create", saEmail("backup"), {
          principal: saEmail("deployer"),
          delegation: ["judy@example.com", saEmail("ci-runner")],
        }),
      },
      {
        name: "token minted through a delegate",
        record: credentialsCall("GenerateAccessToken", saEmail("deployer"), {
          principal: saEmail("ci-runner"),
          delegation: ["judy@example.com"],
        }),
      },
    ],
    quiet: [
      {
        name: "delegated read of a bucket's metadata",
        record: logEntry({
          log: "data_access",
          principal: saEmail("deployer"),
          delegation: ["judy@example.com"],
          resourceType: "gcs_bucket",
          labels: { bucket_name: "acme-data", location: "us-central1", project_id: PROJECT },
          serviceName: "storage.googleapis.com",
          methodName: "storage.buckets.get",
          resourceName: "projects/_/buckets/acme-data",
          permissions: [{ permission: "storage.buckets.get" }],
        }),
      },
      {
        name: "direct Owner grant without delegation",
        record: hierarchySetIamPolicy("project", [["ADD", "roles/owner", "user:judy@example.com"]]),
      },
    ],
  },
};
