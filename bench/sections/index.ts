import type { BenchSection } from "../section";
import { detectionSection } from "./detection";
import { slackSection } from "./slack";

/** Every benchmark section, in the order `npm run bench` runs them. */
export const sections: BenchSection[] = [detectionSection, slackSection];
