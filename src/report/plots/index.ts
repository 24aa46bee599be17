/** Every plot builder of the analysis bundle, by family. */
export * from "./shared.js";
export * from "./loss_curves.js";
export * from "./task_trajectories.js";
export * from "./probabilities.js";
export * from "./thresholds.js";
export * from "./candlesticks.js";
export * from "./sensitivity.js";
export * from "./sweep.js";
export * from "./span_posterior.js";
