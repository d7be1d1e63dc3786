import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, denied, MALLORY, serviceCall } from "./exampleRecords";
import { isCall } from "./shared";

/** EC2 DeleteFlowLogs: VPC network logging removed. Severity medium (network, not identity, audit). */
export const awsFlowLogsDeleted: Detector = {
  id: "aws-flow-logs-deleted",
  title: "VPC flow logs deleted",
  category: "logging_tampering",
  severity: "medium",
  sources: ["aws"],
  calls: actionIn("DeleteFlowLogs"),
  match(event) {
    if (!event.success || !isCall(event, "ec2", "DeleteFlowLogs")) return [];
    const ids = awsDetails(event).flowLogIds ?? [];
    return [
      {
        summary: `${event.actor.display} deleted VPC flow log${ids.length === 1 ? "" : "s"} ${ids.join(", ") || "(unknown ids)"} in ${event.target.region ?? "unknown region"}`,
        evidence: { flowLogIds: ids, account: event.target.project, region: event.target.region },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "DeleteFlowLogs",
        record: serviceCall(MALLORY, "ec2.amazonaws.com", "DeleteFlowLogs", {
          DeleteFlowLogsRequest: { FlowLogId: { content: "fl-0123456789abcdef0", tag: 1 } },
        }),
      },
    ],
    quiet: [
      {
        name: "CreateFlowLogs",
        record: serviceCall(ALICE_ADMIN, "ec2.amazonaws.com", "CreateFlowLogs", {
          CreateFlowLogsRequest: {
            ResourceId: { content: "vpc-0a1b2c3d4e5f67890", tag: 1 },
            ResourceType: "VPC",
            TrafficType: "ALL",
            LogDestinationType: "cloud-watch-logs",
          },
        }),
      },
      {
        name: "DeleteFlowLogs that was denied",
        record: denied(
          {
            identity: MALLORY,
            eventSource: "ec2.amazonaws.com",
            eventName: "DeleteFlowLogs",
            requestParameters: {
              DeleteFlowLogsRequest: { FlowLogId: { content: "fl-0123456789abcdef0", tag: 1 } },
            },
          },
          "Client.UnauthorizedOperation",
        ),
      },
    ],
  },
};
