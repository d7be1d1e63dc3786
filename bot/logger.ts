import pino from "pino";

/**
 * Structured JSON logs (pino). Secrets never reach them: known secret-bearing fields are
 * redacted by path, and every configured secret value is scrubbed from messages and strings
 * by `scrubSecrets` (registered once at start-up from the config's [secret] variables).
 */
const knownSecrets = new Set<string>();

export function registerSecrets(values: (string | undefined)[]): void {
  for (const v of values) if (v && v.length >= 6) knownSecrets.add(v);
}

export function scrubSecrets(text: string): string {
  let out = text;
  for (const s of knownSecrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
  // Bearer tokens and JWT-looking strings are never useful in a log line.
  return out
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]")
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, "[redacted-jwt]")
    .replace(/\bxox[abposr]-[A-Za-z0-9-]{6,}/g, "[redacted-slack-token]");
}

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "iam-immune" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "req.headers.authorization",
          'req.headers["x-api-key"]',
          'req.headers["x-slack-signature"]',
          'req.headers["x-sailpoint-signature"]',
          "headers.authorization",
          "*.token",
          "*.password",
          "*.secret",
          "*.clientSecret",
        ],
        censor: "[redacted]",
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) =>
            typeof a === "string" ? scrubSecrets(a) : a && typeof a === "object" ? scrubObject(a) : a,
          ) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

function scrubObject(value: object): object {
  try {
    return JSON.parse(scrubSecrets(JSON.stringify(value)));
  } catch {
    return value;
  }
}
