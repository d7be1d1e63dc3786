import type { Detector } from "../../detector";

/** Every GCP detector, one file each in this folder. */
export const gcpDetectors: Detector[] = [];
