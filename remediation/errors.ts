/**
 * Cloud call failures sorted into what the engine does about them: retry (throttling, 5xx),
 * re-read and re-apply (etag conflict), or stop and tell the responder which permission is
 * missing (denied).
 */

export type FailureKind = "denied" | "throttled" | "unavailable" | "conflict" | "notFound" | "other";

export class RemediationError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** The permission (GCP) or action (AWS) the remediator lacks, when denied. */
    readonly missingPermission?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RemediationError";
  }
}

interface GoogleLikeError {
  status?: number;
  code?: number | string;
  message?: string;
  response?: { status?: number; data?: { error?: { message?: string; status?: string; code?: number } } };
}

interface AwsLikeError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** "Permission 'x.y.z' denied" / "does not have x.y.z access" → x.y.z. */
export function parseGooglePermission(message: string): string | undefined {
  return (
    /Permission '([^']+)' denied/i.exec(message)?.[1] ??
    /Permission "([^"]+)" denied/i.exec(message)?.[1] ??
    /does not have ([a-z][\w]*\.[\w.]+) access/i.exec(message)?.[1] ??
    /permission ([a-z][\w]*\.[a-z][\w]*\.[a-z][\w]*)/i.exec(message)?.[1]
  );
}

/** "is not authorized to perform: iam:DetachUserPolicy on resource" → iam:DetachUserPolicy. */
export function parseAwsAction(message: string): string | undefined {
  return /not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)/i.exec(message)?.[1];
}

/** Classifies a googleapis (gaxios) error. `permission` names the call's permission as a fallback. */
export function classifyGoogleError(err: unknown, permission: string): RemediationError {
  if (err instanceof RemediationError) return err;
  const e = (err ?? {}) as GoogleLikeError;
  const status = e.response?.status ?? e.status ?? (typeof e.code === "number" ? e.code : undefined);
  const body = e.response?.data?.error;
  const message = body?.message ?? e.message ?? String(err);
  const grpc = body?.status;
  if (status === 403 || grpc === "PERMISSION_DENIED") {
    const perm = parseGooglePermission(message) ?? permission;
    return new RemediationError("denied", `permission denied: missing ${perm}`, perm, { cause: err });
  }
  if (status === 409 || status === 412 || grpc === "ABORTED" || grpc === "FAILED_PRECONDITION") {
    return new RemediationError("conflict", `concurrent change: ${message}`, undefined, { cause: err });
  }
  if (status === 429 || grpc === "RESOURCE_EXHAUSTED") {
    return new RemediationError("throttled", `throttled: ${message}`, undefined, { cause: err });
  }
  if (status === 404)
    return new RemediationError("notFound", `not found: ${message}`, undefined, { cause: err });
  if ((status !== undefined && status >= 500) || grpc === "UNAVAILABLE" || isNetworkError(err)) {
    return new RemediationError("unavailable", `service unavailable: ${message}`, undefined, { cause: err });
  }
  return new RemediationError("other", message, undefined, { cause: err });
}

const AWS_THROTTLE = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "SlowDown",
  "RequestLimitExceeded",
]);

/** Classifies an AWS SDK v3 error. `action` names the call (iam:DetachUserPolicy) as a fallback. */
export function classifyAwsError(err: unknown, action: string): RemediationError {
  if (err instanceof RemediationError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? "";
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(err);
  if (
    name === "AccessDenied" ||
    name === "AccessDeniedException" ||
    name === "UnauthorizedOperation" ||
    status === 403
  ) {
    const perm = parseAwsAction(message) ?? action;
    return new RemediationError("denied", `permission denied: missing ${perm}`, perm, { cause: err });
  }
  if (AWS_THROTTLE.has(name) || status === 429) {
    return new RemediationError("throttled", `throttled: ${message}`, undefined, { cause: err });
  }
  if (name === "NoSuchEntity" || name === "NoSuchEntityException" || name === "NoSuchBucket") {
    return new RemediationError("notFound", `not found: ${message}`, undefined, { cause: err });
  }
  if (
    name === "ServiceFailure" ||
    name === "ServiceUnavailable" ||
    name === "InternalError" ||
    (status !== undefined && status >= 500) ||
    isNetworkError(err)
  ) {
    return new RemediationError("unavailable", `service unavailable: ${message}`, undefined, { cause: err });
  }
  if (
    name === "ConcurrentModification" ||
    name === "ConcurrentModificationException" ||
    name === "OperationAborted"
  ) {
    return new RemediationError("throttled", `concurrent modification: ${message}`, undefined, {
      cause: err,
    });
  }
  return new RemediationError("other", `${name ? `${name}: ` : ""}${message}`, undefined, { cause: err });
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === "string" &&
    ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"].includes(code)
  );
}

export interface RetryOptions {
  attempts: number;
  /** First backoff; doubles each time, with jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const defaultRetry: RetryOptions = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5000 };

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs fn, retrying throttling and 5xx (bounded, exponential backoff). Other failures throw at once. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  classify: (err: unknown) => RemediationError,
  opts: RetryOptions = defaultRetry,
): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = classify(err);
      const retriable = e.kind === "throttled" || e.kind === "unavailable";
      if (!retriable || attempt >= opts.attempts) throw e;
      const delay = Math.min(opts.maxDelayMs ?? 5000, opts.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}
