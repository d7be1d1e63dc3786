import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, ctRecord, DEPLOY_ROLE, EXTERNAL_ACCOUNT } from "./exampleRecords";

/** EBS snapshots, AMIs and RDS (cluster) snapshots made public by sharing them with `all`. */
const SHARE_EVENTS: Record<string, string> = {
  ModifySnapshotAttribute: "EBS snapshot",
  ModifyImageAttribute: "AMI",
  ModifyDBSnapshotAttribute: "RDS snapshot",
  ModifyDBClusterSnapshotAttribute: "RDS cluster snapshot",
};

function ebsShare(items: Record<string, string>[], ami = false) {
  return ctRecord({
    identity: DEPLOY_ROLE,
    eventSource: "ec2.amazonaws.com",
    eventName: ami ? "ModifyImageAttribute" : "ModifySnapshotAttribute",
    requestParameters: ami
      ? {
          imageId: "ami-0c55b159cbfafe1f0",
          launchPermission: { add: { items } },
          attributeType: "launchPermission",
        }
      : {
          snapshotId: "snap-066877671789bd71b",
          createVolumePermission: { add: { items } },
          attributeType: "CREATE_VOLUME_PERMISSION",
        },
    responseElements: { requestId: "8a3d1f0e-9a4b-4f0e-b3c1-7a2e4d5c6b7a", _return: true },
  });
}

export const awsSnapshotSharedPublic: Detector = {
  id: "aws-snapshot-shared-public",
  title: "Snapshot or machine image shared with everyone",
  category: "public_exposure",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn(...Object.keys(SHARE_EVENTS)),
  match(event) {
    const what = SHARE_EVENTS[event.action];
    if (!event.success || !what) return [];
    if (!(awsDetails(event).sharedWith ?? []).includes("all")) return [];
    return [
      {
        summary: `${event.actor.display} made ${what} ${event.target.id.split(/[/:]/).pop()} public (shared with all)`,
        evidence: { resource: event.target.id, kind: what },
      },
    ];
  },
  examples: {
    fire: [
      { name: "EBS snapshot createVolumePermission add group all", record: ebsShare([{ group: "all" }]) },
      { name: "AMI launchPermission add group all", record: ebsShare([{ group: "all" }], true) },
      {
        name: "RDS snapshot restore attribute with valuesToAdd all",
        record: ctRecord({
          identity: ALICE_ADMIN,
          eventSource: "rds.amazonaws.com",
          eventName: "ModifyDBSnapshotAttribute",
          requestParameters: {
            dBSnapshotIdentifier: "prod-db-2026-03-01",
            attributeName: "restore",
            valuesToAdd: ["all"],
          },
          responseElements: {
            dBSnapshotIdentifier: "prod-db-2026-03-01",
            dBSnapshotAttributes: [{ attributeName: "restore", attributeValues: ["all"] }],
          },
        }),
      },
      {
        name: "RDS cluster snapshot restore attribute with valuesToAdd all",
        record: ctRecord({
          identity: ALICE_ADMIN,
          eventSource: "rds.amazonaws.com",
          eventName: "ModifyDBClusterSnapshotAttribute",
          requestParameters: {
            dBClusterSnapshotIdentifier: "aurora-prod-snap",
            attributeName: "restore",
            valuesToAdd: ["all"],
          },
        }),
      },
    ],
    quiet: [
      {
        name: "EBS snapshot shared with one named account",
        record: ebsShare([{ userId: EXTERNAL_ACCOUNT }]),
      },
      {
        name: "RDS snapshot sharing removed from all",
        record: ctRecord({
          identity: ALICE_ADMIN,
          eventSource: "rds.amazonaws.com",
          eventName: "ModifyDBSnapshotAttribute",
          requestParameters: {
            dBSnapshotIdentifier: "prod-db-2026-03-01",
            attributeName: "restore",
            valuesToRemove: ["all"],
          },
        }),
      },
    ],
  },
};
