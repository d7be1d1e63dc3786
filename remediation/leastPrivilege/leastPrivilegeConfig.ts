import cron from "node-cron";
import { z } from "zod";
import { envInt, envNumber } from "../../bot/configSchema";

/**
 * The least-privilege recommender's configuration section; bot/config.ts merges it into the
 * one process schema (same variable names, same descriptions).
 */
export const leastPrivilegeConfigShape = {
  LEAST_PRIVILEGE_WINDOW_DAYS: envInt(90, 1, 400).describe(
    "Days of observed permission use the least-privilege recommender looks back over; older use is forgotten.",
  ),
  LEAST_PRIVILEGE_MIN_HISTORY_DAYS: envInt(14, 0, 400).describe(
    "An identity observed for fewer days than this gets no least-privilege recommendation (too little history to judge).",
  ),
  LEAST_PRIVILEGE_CUSTOM_ROLE_EXCESS_RATIO: envNumber(10, 0).describe(
    "When the best set of GCP predefined roles still grants more than this many unused permissions per used permission, propose a custom role holding exactly the used permissions.",
  ),
  LEAST_PRIVILEGE_REPORT_SIZE: envInt(10, 1, 1000).describe(
    "How many principals the weekly excess-permission report lists.",
  ),
  LEAST_PRIVILEGE_REPORT_CRON: z
    .string()
    .default("0 9 * * 1")
    .refine((v) => !v.trim() || cron.validate(v), "not a cron expression")
    .describe(
      "When the weekly least-privilege report (principals with the most unused permissions) is posted: a cron expression in DIGEST_TIMEZONE; empty turns the report off.",
    ),
} as const;

export const LeastPrivilegeConfigSchema = z.object({ ...leastPrivilegeConfigShape });
export type LeastPrivilegeConfigInput = z.input<typeof LeastPrivilegeConfigSchema>;

/** The recommender's settings in the shape the pure code takes (no env var names). */
export interface LeastPrivilegeSettings {
  windowDays: number;
  minHistoryDays: number;
  customRoleExcessRatio: number;
  reportSize: number;
}

export const DEFAULT_LEAST_PRIVILEGE: LeastPrivilegeSettings = {
  windowDays: 90,
  minHistoryDays: 14,
  customRoleExcessRatio: 10,
  reportSize: 10,
};

export function leastPrivilegeSettings(
  cfg: z.infer<typeof LeastPrivilegeConfigSchema>,
): LeastPrivilegeSettings {
  return {
    windowDays: cfg.LEAST_PRIVILEGE_WINDOW_DAYS,
    minHistoryDays: cfg.LEAST_PRIVILEGE_MIN_HISTORY_DAYS,
    customRoleExcessRatio: cfg.LEAST_PRIVILEGE_CUSTOM_ROLE_EXCESS_RATIO,
    reportSize: cfg.LEAST_PRIVILEGE_REPORT_SIZE,
  };
}
