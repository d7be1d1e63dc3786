import cron from "node-cron";

/**
 * Retrains on a schedule (ANOMALY_RETRAIN_CRON). The lead's composition root passes the job
 * (load history, trainModel, saveModel, swap the model into the running AnomalyState).
 * node-cron's noOverlap keeps a slow retraining from starting twice.
 */
export function scheduleRetraining(
  cronExpr: string,
  fn: () => Promise<void> | void,
  opts: { timezone?: string; onError?: (err: unknown) => void } = {},
): { stop: () => void } {
  if (!cron.validate(cronExpr))
    throw new Error(`ANOMALY_RETRAIN_CRON: invalid cron expression "${cronExpr}"`);
  const task = cron.schedule(
    cronExpr,
    async () => {
      try {
        await fn();
      } catch (err) {
        opts.onError?.(err);
      }
    },
    { name: "anomaly-retrain", noOverlap: true, ...(opts.timezone ? { timezone: opts.timezone } : {}) },
  );
  return { stop: () => void task.stop() };
}
