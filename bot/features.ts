import { leastPrivilegeFeature } from "../remediation/leastPrivilege/leastPrivilegeFeature";
import type { ServerFeature } from "./serverFeature";

/**
 * The features the server installs, in order. Routes that verify a signature over the raw body
 * (Slack, Teams, SailPoint) mount their own parsers, so order only matters for chat channels
 * (cards go to channels in this order) and for which feature replaces the incident actions.
 */
export function defaultFeatures(): ServerFeature[] {
  return [leastPrivilegeFeature()];
}
