import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";

/** Builds the AWS clients remediation uses, per account. Tests hand in their own. */
export interface AwsClientFactory {
  iam(account?: string): IAMClient;
  s3(account?: string): S3Client;
}

export interface AwsClientOptions {
  /** e.g. arn:aws:iam::{account}:role/iam-immune-remediator; unset: default provider chain. */
  assumeRoleArnTemplate?: string;
  region?: string;
}

export function createAwsClientFactory(opts: AwsClientOptions = {}): AwsClientFactory {
  const region = opts.region ?? "us-east-1";
  const cache = new Map<string, IAMClient | S3Client>();
  const credentials = (account?: string) => {
    if (!opts.assumeRoleArnTemplate || !account) return undefined;
    return fromTemporaryCredentials({
      params: {
        RoleArn: opts.assumeRoleArnTemplate.replaceAll("{account}", account),
        RoleSessionName: "iam-immune-remediation",
        DurationSeconds: 900,
      },
      clientConfig: { region },
    });
  };
  // Retries are ours (remediation/errors.ts): bounded, and the same for both clouds.
  return {
    iam(account) {
      const key = `iam:${account ?? ""}`;
      let c = cache.get(key) as IAMClient | undefined;
      if (!c) {
        c = new IAMClient({ region, credentials: credentials(account), maxAttempts: 1 });
        cache.set(key, c);
      }
      return c;
    },
    s3(account) {
      const key = `s3:${account ?? ""}`;
      let c = cache.get(key) as S3Client | undefined;
      if (!c) {
        c = new S3Client({
          region,
          credentials: credentials(account),
          maxAttempts: 1,
          followRegionRedirects: true,
        });
        cache.set(key, c);
      }
      return c;
    },
  };
}
