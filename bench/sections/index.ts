import type { BenchSection } from "../section";
import { anomalySection } from "./anomaly";
import { detectionSection } from "./detection";

/** Every benchmark section, in the order `npm run bench` runs them. */
export const sections: BenchSection[] = [detectionSection, anomalySection];
