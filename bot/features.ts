import { anomalyFeature } from "../detection/anomaly/anomalyFeature";
import { lifecycleFeature } from "../integrations/sailpoint/lifecycleFeature";
import { leastPrivilegeFeature } from "../remediation/leastPrivilege/leastPrivilegeFeature";
import { remediationFeature } from "../remediation/remediationFeature";
import { digestFeature } from "./digest/digestFeature";
import { inboxRetentionFeature } from "./inboxRetentionFeature";
import type { ServerFeature } from "./serverFeature";
import { slackFeature } from "./slack/slackFeature";
import { teamsFeature } from "./teams/teamsFeature";
import { incidentPageFeature } from "./web/incidentPageFeature";

/**
 * The features the server installs, in order. Routes that verify a signature over the raw body
 * (Slack, Teams, SailPoint) mount their own parsers, so order only matters for chat channels
 * (cards go to channels in this order) and for which feature replaces the incident actions.
 */
export function defaultFeatures(): ServerFeature[] {
  return [
    anomalyFeature(),
    slackFeature(),
    teamsFeature,
    // After the chat features: both serve whichever of them is installed.
    incidentPageFeature(),
    digestFeature(),
    remediationFeature(),
    lifecycleFeature(),
    leastPrivilegeFeature(),
    inboxRetentionFeature(),
  ];
}
