/** Types for ml-isolation-forest (ships none): the oracle in tests and the baseline in the bench. */
declare module "ml-isolation-forest" {
  export class IsolationForest {
    constructor(options?: { nEstimators?: number });
    train(trainingSet: number[][]): void;
    predict(data: number[][]): number[];
  }
}
