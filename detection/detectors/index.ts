import type { Detector } from "../detector";
import { awsDetectors } from "./aws";
import { gcpDetectors } from "./gcp";

/** The registry: every rule detector. Ids are unique (test/detection/detectorExamples.test.ts). */
export const allDetectors: Detector[] = [...gcpDetectors, ...awsDetectors];
