import { type Detector, serviceStartsWith } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, denied, MALLORY, serviceCall } from "./exampleRecords";
import { arnName, isCall } from "./shared";

const DETECTOR_ID = "12abc34d567e8fa901bc2d34e56789f0";

/**
 * GuardDuty switched off: DeleteDetector, UpdateDetector with enable false, or the account
 * leaving its GuardDuty administrator (findings no longer reach the security account).
 */
export const awsGuardDutyDisabled: Detector = {
  id: "aws-guardduty-disabled",
  title: "GuardDuty detector deleted or disabled",
  category: "logging_tampering",
  severity: "high",
  sources: ["aws"],
  calls: serviceStartsWith("guardduty."),
  match(event) {
    if (!event.success || !event.service.startsWith("guardduty.")) return [];
    const region = event.target.region ?? "unknown region";
    let what: string | undefined;
    if (isCall(event, "guardduty", "DeleteDetector"))
      what = `deleted GuardDuty detector ${arnName(event.target.id)}`;
    else if (isCall(event, "guardduty", "UpdateDetector") && awsDetails(event).detectorEnabled === false)
      what = `disabled GuardDuty detector ${arnName(event.target.id)}`;
    else if (
      isCall(event, "guardduty", "DisassociateFromAdministratorAccount", "DisassociateFromMasterAccount")
    )
      what = "disconnected the account from its GuardDuty administrator";
    if (!what) return [];
    return [
      {
        summary: `${event.actor.display} ${what} in ${region}`,
        evidence: {
          detector: event.target.id,
          account: event.target.project,
          region,
          operation: event.action,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "DeleteDetector",
        record: serviceCall(MALLORY, "guardduty.amazonaws.com", "DeleteDetector", {
          detectorId: DETECTOR_ID,
        }),
      },
      {
        name: "UpdateDetector enable false",
        record: serviceCall(MALLORY, "guardduty.amazonaws.com", "UpdateDetector", {
          detectorId: DETECTOR_ID,
          enable: false,
        }),
      },
      {
        name: "member account leaves its GuardDuty administrator",
        record: serviceCall(MALLORY, "guardduty.amazonaws.com", "DisassociateFromAdministratorAccount", {
          detectorId: DETECTOR_ID,
        }),
      },
    ],
    quiet: [
      {
        name: "UpdateDetector changing only the publishing frequency",
        record: serviceCall(ALICE_ADMIN, "guardduty.amazonaws.com", "UpdateDetector", {
          detectorId: DETECTOR_ID,
          findingPublishingFrequency: "FIFTEEN_MINUTES",
        }),
      },
      {
        name: "DeleteDetector that was denied",
        record: denied({
          identity: MALLORY,
          eventSource: "guardduty.amazonaws.com",
          eventName: "DeleteDetector",
          requestParameters: { detectorId: DETECTOR_ID },
        }),
      },
    ],
  },
};
