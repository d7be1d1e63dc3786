import { type Detector, serviceStartsWith } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, DEPLOY_ROLE, denied, MALLORY, OWN_ACCOUNT, serviceCall } from "./exampleRecords";
import { arnName, isCall } from "./shared";

const TRAIL = `arn:aws:cloudtrail:eu-west-1:${OWN_ACCOUNT}:trail/org-trail`;

/** What an UpdateTrail / PutEventSelectors request takes away from the audit trail. */
function narrowing(event: Parameters<typeof awsDetails>[0]): string[] {
  const d = awsDetails(event);
  const out: string[] = [];
  if (event.action === "UpdateTrail") {
    if (d.isMultiRegionTrail === false) out.push("records one region only (IsMultiRegionTrail false)");
    if (d.includeGlobalServiceEvents === false)
      out.push("drops global service events such as IAM (IncludeGlobalServiceEvents false)");
    if (d.enableLogFileValidation === false) out.push("turns off log file integrity validation");
  }
  if (event.action === "PutEventSelectors") {
    if (d.managementEventsExcluded) out.push("no longer records management events");
    else if (d.managementWritesExcluded) out.push("no longer records write management events (ReadOnly)");
  }
  return out;
}

/**
 * CloudTrail blinded: StopLogging and DeleteTrail (critical); UpdateTrail that narrows what is
 * recorded and PutEventSelectors that drops management events (high). Refused calls are
 * attempts, left to the denied-burst detector.
 */
export const awsCloudTrailTampering: Detector = {
  id: "aws-cloudtrail-tampering",
  title: "CloudTrail logging stopped, deleted or narrowed",
  category: "logging_tampering",
  severity: "critical",
  sources: ["aws"],
  calls: serviceStartsWith("cloudtrail."),
  match(event) {
    if (!event.success || !event.service.startsWith("cloudtrail.")) return [];
    const trail = arnName(event.target.id);
    const base = { trail: event.target.id, account: event.target.project, region: event.target.region };
    if (isCall(event, "cloudtrail", "StopLogging", "DeleteTrail")) {
      const verb = event.action === "StopLogging" ? "stopped logging on" : "deleted";
      return [
        {
          summary: `${event.actor.display} ${verb} CloudTrail trail ${trail}`,
          evidence: { ...base, operation: event.action },
        },
      ];
    }
    if (!isCall(event, "cloudtrail", "UpdateTrail", "PutEventSelectors")) return [];
    const lost = narrowing(event);
    if (!lost.length) return [];
    return [
      {
        severity: "high",
        summary: `${event.actor.display} narrowed CloudTrail trail ${trail}: it ${lost.join("; ")}`,
        evidence: { ...base, operation: event.action, narrowed: lost },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "StopLogging",
        record: serviceCall(MALLORY, "cloudtrail.amazonaws.com", "StopLogging", { name: TRAIL }),
      },
      {
        name: "DeleteTrail",
        record: serviceCall(DEPLOY_ROLE, "cloudtrail.amazonaws.com", "DeleteTrail", { name: "org-trail" }),
      },
      {
        name: "UpdateTrail to a single region",
        record: serviceCall(MALLORY, "cloudtrail.amazonaws.com", "UpdateTrail", {
          name: "org-trail",
          isMultiRegionTrail: false,
        }),
      },
      {
        name: "PutEventSelectors excluding management events",
        record: serviceCall(MALLORY, "cloudtrail.amazonaws.com", "PutEventSelectors", {
          trailName: "org-trail",
          eventSelectors: [
            {
              readWriteType: "All",
              includeManagementEvents: false,
              dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }],
              excludeManagementEventSources: [],
            },
          ],
        }),
      },
      {
        name: "PutEventSelectors keeping only read-only management events",
        record: serviceCall(MALLORY, "cloudtrail.amazonaws.com", "PutEventSelectors", {
          trailName: "org-trail",
          eventSelectors: [{ readWriteType: "ReadOnly", includeManagementEvents: true, dataResources: [] }],
        }),
      },
    ],
    quiet: [
      {
        name: "StartLogging",
        record: serviceCall(ALICE_ADMIN, "cloudtrail.amazonaws.com", "StartLogging", { name: TRAIL }),
      },
      {
        name: "StopLogging that was denied",
        record: denied({
          identity: MALLORY,
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "StopLogging",
          requestParameters: { name: TRAIL },
        }),
      },
      {
        name: "UpdateTrail widening to all regions",
        record: serviceCall(ALICE_ADMIN, "cloudtrail.amazonaws.com", "UpdateTrail", {
          name: "org-trail",
          isMultiRegionTrail: true,
          includeGlobalServiceEvents: true,
        }),
      },
      {
        name: "PutEventSelectors adding S3 data events and keeping management events",
        record: serviceCall(ALICE_ADMIN, "cloudtrail.amazonaws.com", "PutEventSelectors", {
          trailName: "org-trail",
          eventSelectors: [
            {
              readWriteType: "All",
              includeManagementEvents: true,
              dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::prod-invoices/"] }],
            },
          ],
        }),
      },
      {
        name: "advanced selectors keeping management events",
        record: serviceCall(ALICE_ADMIN, "cloudtrail.amazonaws.com", "PutEventSelectors", {
          trailName: "org-trail",
          advancedEventSelectors: [
            {
              name: "Management events",
              fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }],
            },
          ],
        }),
      },
    ],
  },
};
