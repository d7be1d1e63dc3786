import type { BenchSection } from "../section";
import { anomalySection } from "./anomaly";
import { detectionSection } from "./detection";
import { e2eSection } from "./e2e";
import { leastPrivilegeSection } from "./leastPrivilege";
import { remediationSection } from "./remediation";
import { slackSection } from "./slack";
import { soakSection } from "./soak";

/** Every benchmark section, in the order `npm run bench` runs them. */
export const sections: BenchSection[] = [
  detectionSection,
  anomalySection,
  leastPrivilegeSection,
  e2eSection,
  slackSection,
  remediationSection,
  soakSection,
];
