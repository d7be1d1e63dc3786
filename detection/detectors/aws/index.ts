import type { Detector } from "../../detector";

/** Every AWS detector, one file each in this folder. */
export const awsDetectors: Detector[] = [];
