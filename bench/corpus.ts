import { mulberry32 as seededRandom } from "../detection/anomaly/prng";

/**
 * A generated corpus of mixed CloudTrail records and Cloud Audit LogEntries, in the
 * providers' documented shapes, seeded so every run scans the same lines. Most events are
 * routine (reads, describes, object access); a few percent are the changes detectors look for.
 */

const AWS_ACCOUNTS = ["111122223333", "444455556666", "777788889999"];
const USERS = Array.from({ length: 300 }, (_, i) => `user${i}`);
const GCP_PROJECTS = ["acme-prod", "acme-staging", "acme-data", "acme-web", "acme-ml"];
const PEOPLE = Array.from({ length: 300 }, (_, i) => `person${i}@example.com`);

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

function awsRecord(rnd: () => number, i: number, time: string): Record<string, unknown> {
  const account = pick(rnd, AWS_ACCOUNTS);
  const user = pick(rnd, USERS);
  const r = rnd();
  const base = {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: `AIDA${String(i).padStart(17, "0")}`,
      arn: `arn:aws:iam::${account}:user/${user}`,
      accountId: account,
      accessKeyId: `AKIA${String(i % 100000).padStart(16, "0")}`,
      userName: user,
    },
    eventTime: time,
    awsRegion: "us-east-1",
    sourceIPAddress: `198.51.100.${i % 250}`,
    userAgent: "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.9",
    requestID: `REQ${i}`,
    eventID: `bench-aws-${i}`,
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
  };
  if (r < 0.55) {
    return {
      ...base,
      eventSource: "ec2.amazonaws.com",
      eventName: "DescribeInstances",
      requestParameters: { instancesSet: {}, filterSet: {} },
      responseElements: null,
    };
  }
  if (r < 0.8) {
    return {
      ...base,
      eventSource: "iam.amazonaws.com",
      eventName: "GetUser",
      requestParameters: { userName: user },
      responseElements: null,
    };
  }
  if (r < 0.9) {
    return {
      ...base,
      eventSource: "sts.amazonaws.com",
      eventName: "GetCallerIdentity",
      requestParameters: null,
      responseElements: null,
    };
  }
  if (r < 0.95) {
    return {
      ...base,
      readOnly: false,
      eventSource: "iam.amazonaws.com",
      eventName: "AttachUserPolicy",
      requestParameters: {
        userName: pick(rnd, USERS),
        policyArn:
          r < 0.93 ? "arn:aws:iam::aws:policy/ReadOnlyAccess" : "arn:aws:iam::aws:policy/AdministratorAccess",
      },
      responseElements: null,
    };
  }
  if (r < 0.98) {
    return {
      ...base,
      readOnly: false,
      eventSource: "iam.amazonaws.com",
      eventName: "CreateAccessKey",
      requestParameters: { userName: pick(rnd, USERS) },
      responseElements: {
        accessKey: {
          accessKeyId: `AKIA${String(i).padStart(16, "9")}`,
          status: "Active",
          userName: user,
          createDate: time,
        },
      },
    };
  }
  const bucket = `acme-bucket-${i % 97}`;
  return {
    ...base,
    readOnly: false,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketPolicy",
    requestParameters: {
      bucketName: bucket,
      Host: `${bucket}.s3.amazonaws.com`,
      bucketPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Read",
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
        ],
      },
      policy: "",
    },
    responseElements: null,
  };
}

function gcpEntry(rnd: () => number, i: number, time: string): Record<string, unknown> {
  const project = pick(rnd, GCP_PROJECTS);
  const who = pick(rnd, PEOPLE);
  const r = rnd();
  const common = (
    service: string,
    method: string,
    resourceName: string,
    perms: string[],
    extra: Record<string, unknown> = {},
  ) => ({
    protoPayload: {
      "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
      status: {},
      authenticationInfo: { principalEmail: who },
      requestMetadata: {
        callerIp: `203.0.113.${i % 250}`,
        callerSuppliedUserAgent: "google-cloud-sdk gcloud/498.0.0",
        requestAttributes: { time, auth: {} },
        destinationAttributes: {},
      },
      serviceName: service,
      methodName: method,
      authorizationInfo: perms.map((p) => ({
        resource: resourceName,
        permission: p,
        granted: true,
        resourceAttributes: {},
      })),
      resourceName,
      ...extra,
    },
    insertId: `bench-gcp-${i}`,
    resource: {
      type: service === "storage.googleapis.com" ? "gcs_bucket" : "project",
      labels: { project_id: project },
    },
    timestamp: time,
    severity: "INFO",
    logName: `projects/${project}/logs/cloudaudit.googleapis.com%2F${r < 0.6 ? "data_access" : "activity"}`,
    receiveTimestamp: time,
  });
  if (r < 0.6) {
    return common(
      "storage.googleapis.com",
      "storage.objects.get",
      `projects/_/buckets/${project}-assets/objects/img/${i}.png`,
      ["storage.objects.get"],
    );
  }
  if (r < 0.85) {
    return common(
      "compute.googleapis.com",
      "v1.compute.instances.list",
      `projects/${project}/zones/us-central1-a`,
      ["compute.instances.list"],
    );
  }
  if (r < 0.95) {
    const role = r < 0.93 ? "roles/viewer" : "roles/owner";
    return common(
      "cloudresourcemanager.googleapis.com",
      "SetIamPolicy",
      `projects/${project}`,
      ["resourcemanager.projects.setIamPolicy"],
      {
        serviceData: {
          "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
          policyDelta: { bindingDeltas: [{ action: "ADD", role, member: `user:${pick(rnd, PEOPLE)}` }] },
        },
      },
    );
  }
  if (r < 0.98) {
    return common(
      "iam.googleapis.com",
      "google.iam.admin.v1.CreateServiceAccountKey",
      `projects/${project}/serviceAccounts/deployer@${project}.iam.gserviceaccount.com`,
      ["iam.serviceAccountKeys.create"],
    );
  }
  return common(
    "storage.googleapis.com",
    "storage.setIamPermissions",
    `projects/_/buckets/${project}-public-${i % 13}`,
    ["storage.buckets.setIamPolicy"],
    {
      serviceData: {
        "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
        policyDelta: {
          bindingDeltas: [{ action: "ADD", role: "roles/storage.objectViewer", member: "allUsers" }],
        },
      },
    },
  );
}

/** n JSON lines, half CloudTrail records and half LogEntries, one second apart. */
export function generateCorpus(n: number, seed = 42): string[] {
  const rnd = seededRandom(seed);
  const start = Date.parse("2026-11-02T08:00:00Z");
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const time = new Date(start + i * 1000).toISOString();
    lines.push(JSON.stringify(rnd() < 0.5 ? awsRecord(rnd, i, time) : gcpEntry(rnd, i, time)));
  }
  return lines;
}
