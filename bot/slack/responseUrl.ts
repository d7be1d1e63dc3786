/**
 * Where the bot may answer a slash command: Slack's response URLs are on hooks.slack.com (or
 * GovSlack's hooks.slack-gov.com), plus the origin of SLACK_API_URL when it points elsewhere
 * (a stand-in, a proxy). A response_url anywhere else is never fetched: even a request that
 * passed the signature check (a leaked signing secret) cannot make the bot post incident data
 * to an arbitrary, possibly internal, address.
 */
const SLACK_RESPONSE_ORIGINS = ["https://hooks.slack.com", "https://hooks.slack-gov.com"];

export function responseUrlAllowed(url: string | undefined, apiUrl?: string): boolean {
  if (!url) return false;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return false;
  }
  if (SLACK_RESPONSE_ORIGINS.includes(origin)) return true;
  if (!apiUrl) return false;
  try {
    return new URL(apiUrl).origin === origin;
  } catch {
    return false;
  }
}
