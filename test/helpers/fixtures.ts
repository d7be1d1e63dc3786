/**
 * Provider records in their documented shapes, for intake and pipeline tests. GCP: a Cloud
 * Audit Logs LogEntry (protoPayload AuditLog) for storage SetIamPolicy granting allUsers.
 * AWS: a CloudTrail record for s3:PutBucketPolicy opening a bucket to Principal "*".
 */
let seq = 0;

export function gcpPublicBucketEntry(
  overrides: { insertId?: string; timestamp?: string; principal?: string } = {},
) {
  seq++;
  const timestamp = overrides.timestamp ?? "2026-11-20T14:03:12.483Z";
  const principal = overrides.principal ?? "mallory@example.com";
  return {
    protoPayload: {
      "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
      status: {},
      authenticationInfo: { principalEmail: principal },
      requestMetadata: {
        callerIp: "203.0.113.77",
        callerSuppliedUserAgent:
          "google-cloud-sdk gcloud/498.0.0 command/gcloud.storage.buckets.add-iam-policy-binding",
        requestAttributes: { time: timestamp, auth: {} },
        destinationAttributes: {},
      },
      serviceName: "storage.googleapis.com",
      methodName: "storage.setIamPermissions",
      authorizationInfo: [
        {
          resource: "projects/_/buckets/acme-prod-invoices",
          permission: "storage.buckets.setIamPolicy",
          granted: true,
          resourceAttributes: {},
        },
      ],
      resourceName: "projects/_/buckets/acme-prod-invoices",
      serviceData: {
        "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
        policyDelta: {
          bindingDeltas: [{ action: "ADD", role: "roles/storage.objectViewer", member: "allUsers" }],
        },
      },
      resourceLocation: { currentLocations: ["us-central1"] },
    },
    insertId: overrides.insertId ?? `1x2y3z${seq}e4kd`,
    resource: {
      type: "gcs_bucket",
      labels: { bucket_name: "acme-prod-invoices", project_id: "acme-prod", location: "us-central1" },
    },
    timestamp,
    severity: "NOTICE",
    logName: "projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity",
    receiveTimestamp: "2026-11-20T14:03:13.120Z",
  };
}

export function awsPublicBucketPolicyRecord(overrides: { eventID?: string; eventTime?: string } = {}) {
  seq++;
  const policy = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::acme-prod-exports/*",
      },
    ],
  };
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAJQABLZS4A3QDU576Q",
      arn: "arn:aws:iam::111122223333:user/mallory",
      accountId: "111122223333",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      userName: "mallory",
    },
    eventTime: overrides.eventTime ?? "2026-11-20T14:05:41Z",
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketPolicy",
    awsRegion: "us-east-1",
    sourceIPAddress: "198.51.100.23",
    userAgent: "[aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.9]",
    requestParameters: {
      bucketName: "acme-prod-exports",
      Host: "acme-prod-exports.s3.us-east-1.amazonaws.com",
      bucketPolicy: policy,
      policy: "",
    },
    responseElements: null,
    additionalEventData: {
      SignatureVersion: "SigV4",
      CipherSuite: "TLS_AES_128_GCM_SHA256",
      bytesTransferredIn: 0,
      AuthenticationMethod: "AuthHeader",
      "x-amz-id-2": "vFQWk2KpwLbwfLzQy7g6ltpcHn5uTwDwI0t7JzpGSZ1M2XHUxKKsqYNu3qAoijTbBDxZZHOZUeA=",
      bytesTransferredOut: 0,
    },
    requestID: `GM${seq}A8H5XN2JDW7N`,
    eventID: overrides.eventID ?? `6c5b7e1e-0c4f-4f1e-9d7a-3b${String(seq).padStart(10, "0")}`,
    readOnly: false,
    resources: [
      { accountId: "111122223333", type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::acme-prod-exports" },
    ],
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: "111122223333",
    eventCategory: "Management",
    tlsDetails: {
      tlsVersion: "TLSv1.3",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      clientProvidedHostHeader: "acme-prod-exports.s3.us-east-1.amazonaws.com",
    },
  };
}

export function pubSubPush(entry: unknown, messageId = "9876543210123") {
  return {
    message: {
      data: Buffer.from(JSON.stringify(entry)).toString("base64"),
      messageId,
      message_id: messageId,
      publishTime: "2026-11-20T14:03:14.001Z",
      publish_time: "2026-11-20T14:03:14.001Z",
      attributes: { "logging.googleapis.com/timestamp": "2026-11-20T14:03:12.483Z" },
    },
    subscription: "projects/acme-security/subscriptions/iam-immune-push",
  };
}

export function eventBridge(record: {
  eventID: string;
  eventTime: string;
  recipientAccountId: string;
  awsRegion: string;
}) {
  return {
    version: "0",
    id: "f1c6c2b8-7a55-4f2b-a1f3-0d2e8c4b9a11",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.s3",
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}
