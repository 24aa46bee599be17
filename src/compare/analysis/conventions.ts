/**
 * The fixed settings behind the comparison's rules, in one place: the aggregation applies them and the
 * rule texts cite them, so a threshold named in a sentence is the one that was applied.
 */
import type { Conventions } from "../types.js";

export const CONVENTIONS: Conventions = {
  confidence: 0.95,
  // With n pairs, a percentile-bootstrap interval of the mean difference excludes 0 whenever all n
  // differences share a sign, which happens by chance with probability 2/2ⁿ: 6.25% for 5 seeds.
  minimumPairedSeeds: 5,
  calibrationBins: 10,
  histogramBins: 50,
  logThreshold: 0.5,
  flatReduction: 0.01,
  smoothRise: 0.02,
  // A rise of under 2% over the best is noise at these data sizes, not overfitting.
  overfittingTolerance: 0.02,
  budgetSpeedShare: 0.25,
  budgetLookbackEpochs: 5,
};
