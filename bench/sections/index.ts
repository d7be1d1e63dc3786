import type { BenchSection } from "../section";
import { detectionSection } from "./detection";
import { leastPrivilegeSection } from "./leastPrivilege";

/** Every benchmark section, in the order `npm run bench` runs them. */
export const sections: BenchSection[] = [detectionSection, leastPrivilegeSection];
