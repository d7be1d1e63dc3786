import { actionIn, type Detector } from "../../detector";
import { ALICE_ADMIN, denied, MALLORY, serviceCall } from "./exampleRecords";
import { arnName, isCall } from "./shared";

const VERB: Record<string, string> = {
  StopConfigurationRecorder: "stopped AWS Config recorder",
  DeleteConfigurationRecorder: "deleted AWS Config recorder",
  DeleteDeliveryChannel: "deleted AWS Config delivery channel",
};

/**
 * AWS Config blinded: the recorder stopped or deleted, or its delivery channel deleted (no
 * configuration history reaches S3 any more).
 */
export const awsConfigDisabled: Detector = {
  id: "aws-config-disabled",
  title: "AWS Config recording stopped or deleted",
  category: "logging_tampering",
  severity: "high",
  sources: ["aws"],
  calls: actionIn(...Object.keys(VERB)),
  match(event) {
    if (!event.success || !Object.hasOwn(VERB, event.action) || !isCall(event, "config", event.action))
      return [];
    return [
      {
        summary: `${event.actor.display} ${VERB[event.action]} ${arnName(event.target.id)} in ${event.target.region ?? "unknown region"}`,
        evidence: {
          resource: event.target.id,
          account: event.target.project,
          region: event.target.region,
          operation: event.action,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "StopConfigurationRecorder",
        record: serviceCall(MALLORY, "config.amazonaws.com", "StopConfigurationRecorder", {
          configurationRecorderName: "default",
        }),
      },
      {
        name: "DeleteConfigurationRecorder",
        record: serviceCall(MALLORY, "config.amazonaws.com", "DeleteConfigurationRecorder", {
          configurationRecorderName: "default",
        }),
      },
      {
        name: "DeleteDeliveryChannel",
        record: serviceCall(MALLORY, "config.amazonaws.com", "DeleteDeliveryChannel", {
          deliveryChannelName: "default",
        }),
      },
    ],
    quiet: [
      {
        name: "StartConfigurationRecorder",
        record: serviceCall(ALICE_ADMIN, "config.amazonaws.com", "StartConfigurationRecorder", {
          configurationRecorderName: "default",
        }),
      },
      {
        name: "StopConfigurationRecorder that was denied",
        record: denied({
          identity: MALLORY,
          eventSource: "config.amazonaws.com",
          eventName: "StopConfigurationRecorder",
          requestParameters: { configurationRecorderName: "default" },
        }),
      },
    ],
  },
};
