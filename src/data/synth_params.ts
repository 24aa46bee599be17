/**
 * The knobs of the synthetic market generator (src/data/synth.ts), their defaults (the bundled
 * data/default.parquet was made with them) and their validation.
 */
import { z } from "zod";
import { WINDOW_BARS } from "./window.js";

/** Every knob of the generator. Prices are index points, volatilities are per-bar log-return std. */
export interface SynthParams {
  /** Number of base windows (annotated events); overlaps are added on top. Count. */
  windows: number;
  /** Overlap shift: overlap windows start this many bars later (`s+N`) or earlier (`s-N`) than the base. Bars. */
  shiftBars: number;
  /** An overlap is kept only when at least this fraction of the base span stays inside it. Fraction 0–1. */
  minVisibleSpanFraction: number;
  /** Price increment; every open/high/low/close is a multiple of it. Index points (NQ: 0.25). */
  tickSize: number;
  /** Lowest starting price of an event's path. Index points. */
  startPriceMin: number;
  /** Highest starting price of an event's path. Index points. */
  startPriceMax: number;
  /** Median (across events) per-bar standard deviation of the log close-to-close return. Log units (3.5e-4 ≈ 6 points at 17000). */
  barVolatility: number;
  /** Standard deviation of the log of each event's volatility multiplier (busy vs quiet sessions). Log units. */
  volatilityDispersion: number;
  /** GARCH(1,1) weight of the last squared shock in the next bar's variance. Dimensionless. */
  garchAlpha: number;
  /** GARCH(1,1) weight of the last variance in the next bar's variance; alpha + beta < 1 (persistence). Dimensionless. */
  garchBeta: number;
  /** Degrees of freedom of the Student-t return shocks (rescaled to unit variance); larger = thinner tails. Integer ≥ 3. */
  tailDegreesOfFreedom: number;
  /** Sub-steps of the intrabar Brownian bridge that sets high and low; more = slightly longer wicks. Count. */
  intrabarSteps: number;
  /** Probability that a bar opens 1–2 ticks away from the previous close instead of at it. Probability. */
  gapProbability: number;
  /** Standard deviation of a slow per-event background drift. Units of the event's bar volatility per bar. */
  backgroundDrift: number;
  /** Median span length of the log-normal span-length draw. Bars. */
  spanLengthMedian: number;
  /** Standard deviation of the log span length (0.85 gives mean ≈ 1.43 × median before the cap). Log units. */
  spanLengthDispersion: number;
  /** Longest span; longer draws are redrawn. Bars. */
  spanLengthMax: number;
  /** Fewest bars before the span inside the base window. Bars. */
  leadBarsMin: number;
  /** Fewest bars after the span inside the base window. Bars. */
  tailBarsMin: number;
  /** Shortest consolidation before the span. Bars. */
  consolidationBarsMin: number;
  /** Longest consolidation before the span. Bars. */
  consolidationBarsMax: number;
  /** Volatility multiplier during the consolidation (compression). Multiple of the bar volatility. */
  consolidationVolatility: number;
  /** Fraction of the distance back to the consolidation's centre closed per bar (mean reversion). Fraction 0–1. */
  consolidationReversion: number;
  /** Weakest expansion: per-bar directional drift. Units of the bar's own volatility. */
  expansionDriftMin: number;
  /** Strongest expansion: per-bar directional drift. Units of the bar's own volatility. */
  expansionDriftMax: number;
  /** Smallest range expansion during the span. Multiple of the bar volatility. */
  expansionVolatilityMin: number;
  /** Largest range expansion during the span. Multiple of the bar volatility. */
  expansionVolatilityMax: number;
  /** Noise of an expansion bar's body around its drift; small = bodies almost always with the move. Units of the bar's volatility. */
  expansionBodyNoise: number;
  /** Probability that the aftermath regime is a pullback (else settling or continuation). Probability. */
  retracementProbability: number;
  /** Smallest pullback the pullback regime aims for. Fraction of the span's net move. */
  retracementDepthMin: number;
  /** Largest pullback the pullback regime aims for. Fraction of the span's net move. */
  retracementDepthMax: number;
  /** Bars after the span that the label looks at (and that the aftermath regime lasts). Bars. */
  labelHorizonBars: number;
  /** A close giving back at least this fraction of the span's net move within the horizon makes the label `retracement`. Fraction. */
  retracementThreshold: number;
  /** Expected decoy bursts per 100 bars of path outside the event. Rate. */
  decoyRate: number;
  /** Share of decoys that are failed breakouts (the rest are news spikes). Fraction 0–1. */
  failedBreakoutShare: number;
  /** Wick size of a news-spike bar. Multiple of the bar volatility. */
  spikeVolatility: number;
  /** Per-bar drift of a failed breakout's burst. Units of the bar's volatility. */
  failedBreakoutDrift: number;
  /** Median volume of an ordinary bar; bar volume grows with the bar's range. 0 = write no volume column. Contracts. */
  volumeMedian: number;
}

/**
 * Defaults reproduce the reference dataset's shape (docs/spec.md §1): 102 base windows, ±52-bar overlaps kept at
 * ≥ 30 % visibility (≈ 210 windows), span lengths with mean ≈ 7 and median ≈ 5 bars, ≈ 58 % consolidation.
 * The volatility figures were chosen so bar ranges look like 1-minute NQ (median range ≈ 7.5 points, body
 * ≈ half the range); span length, aftermath odds and decoy / expansion-strength figures were tuned on
 * 1000–3000 events: labels ≈ 58/42, spans mean ≈ 7 / median 5, and the `range_z > a` rule baseline
 * (src/eval/rule_baseline.ts) at held-out F1 ≈ 0.45 against ≈ 0.125 for all-positive.
 */
export const DEFAULT_SYNTH_PARAMS: Readonly<SynthParams> = Object.freeze({
  windows: 102,
  shiftBars: 52,
  minVisibleSpanFraction: 0.3,
  tickSize: 0.25,
  startPriceMin: 15000,
  startPriceMax: 20000,
  barVolatility: 3.5e-4,
  volatilityDispersion: 0.3,
  garchAlpha: 0.07,
  garchBeta: 0.9,
  tailDegreesOfFreedom: 5,
  intrabarSteps: 24,
  gapProbability: 0.05,
  backgroundDrift: 0.05,
  spanLengthMedian: 5.3,
  spanLengthDispersion: 0.85,
  spanLengthMax: 40,
  leadBarsMin: 5,
  tailBarsMin: 10,
  consolidationBarsMin: 10,
  consolidationBarsMax: 30,
  consolidationVolatility: 0.6,
  consolidationReversion: 0.2,
  expansionDriftMin: 0.5,
  expansionDriftMax: 1.8,
  expansionVolatilityMin: 1.1,
  expansionVolatilityMax: 2.4,
  expansionBodyNoise: 0.6,
  retracementProbability: 0.39,
  retracementDepthMin: 0.6,
  retracementDepthMax: 1.2,
  labelHorizonBars: 12,
  retracementThreshold: 0.5,
  decoyRate: 2.5,
  failedBreakoutShare: 0.5,
  spikeVolatility: 3.5,
  failedBreakoutDrift: 1.2,
  volumeMedian: 600,
});

const positive = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .positive();
const fraction = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0)
    .max(1);
const count = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be an integer`)
    .min(min)
    .max(max);

const synthParamsSchema = z
  .object({
    windows: count("windows", 1, 100_000),
    shiftBars: count("shiftBars", 1, WINDOW_BARS - 1),
    minVisibleSpanFraction: fraction("minVisibleSpanFraction"),
    tickSize: positive("tickSize"),
    startPriceMin: positive("startPriceMin"),
    startPriceMax: positive("startPriceMax"),
    barVolatility: positive("barVolatility").max(0.05),
    volatilityDispersion: z.number().min(0).max(2),
    garchAlpha: z.number().min(0).max(1),
    garchBeta: z.number().min(0).max(1),
    tailDegreesOfFreedom: count("tailDegreesOfFreedom", 3, 1000),
    intrabarSteps: count("intrabarSteps", 1, 1000),
    gapProbability: fraction("gapProbability"),
    backgroundDrift: z.number().min(0).max(5),
    spanLengthMedian: positive("spanLengthMedian"),
    spanLengthDispersion: z.number().min(0).max(3),
    spanLengthMax: count("spanLengthMax", 1, WINDOW_BARS),
    leadBarsMin: count("leadBarsMin", 0, WINDOW_BARS - 1),
    tailBarsMin: count("tailBarsMin", 0, WINDOW_BARS - 1),
    consolidationBarsMin: count("consolidationBarsMin", 0, 1000),
    consolidationBarsMax: count("consolidationBarsMax", 0, 1000),
    consolidationVolatility: positive("consolidationVolatility").max(20),
    consolidationReversion: fraction("consolidationReversion"),
    expansionDriftMin: z.number().min(0).max(20),
    expansionDriftMax: z.number().min(0).max(20),
    expansionVolatilityMin: positive("expansionVolatilityMin").max(20),
    expansionVolatilityMax: positive("expansionVolatilityMax").max(20),
    expansionBodyNoise: z.number().min(0).max(20),
    retracementProbability: fraction("retracementProbability"),
    retracementDepthMin: z.number().min(0).max(5),
    retracementDepthMax: z.number().min(0).max(5),
    labelHorizonBars: count("labelHorizonBars", 1, 1000),
    retracementThreshold: z.number().positive().max(5),
    decoyRate: z.number().min(0).max(50),
    failedBreakoutShare: fraction("failedBreakoutShare"),
    spikeVolatility: positive("spikeVolatility").max(50),
    failedBreakoutDrift: z.number().min(0).max(20),
    volumeMedian: z.number().min(0).max(1e9),
  })
  .strict()
  .superRefine((p, ctx) => {
    const issue = (path: keyof SynthParams, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (p.startPriceMin > p.startPriceMax) issue("startPriceMin", "startPriceMin must be ≤ startPriceMax");
    if (p.startPriceMin < 100 * p.tickSize) issue("startPriceMin", "startPriceMin must be at least 100 ticks");
    if (p.garchAlpha + p.garchBeta >= 1) issue("garchBeta", "garchAlpha + garchBeta must be < 1 (stationary variance)");
    if (p.consolidationBarsMin > p.consolidationBarsMax) issue("consolidationBarsMin", "consolidationBarsMin must be ≤ consolidationBarsMax");
    if (p.consolidationBarsMax > p.shiftBars + p.leadBarsMin) {
      issue("consolidationBarsMax", "consolidationBarsMax must be ≤ shiftBars + leadBarsMin (it must fit in the simulated path)");
    }
    if (p.expansionDriftMin > p.expansionDriftMax) issue("expansionDriftMin", "expansionDriftMin must be ≤ expansionDriftMax");
    if (p.expansionVolatilityMin > p.expansionVolatilityMax) {
      issue("expansionVolatilityMin", "expansionVolatilityMin must be ≤ expansionVolatilityMax");
    }
    if (p.retracementDepthMin > p.retracementDepthMax) issue("retracementDepthMin", "retracementDepthMin must be ≤ retracementDepthMax");
    if (p.leadBarsMin + p.spanLengthMax + p.tailBarsMin > WINDOW_BARS) {
      issue("spanLengthMax", `leadBarsMin + spanLengthMax + tailBarsMin must be ≤ ${WINDOW_BARS} so every span fits its window`);
    }
    if (p.labelHorizonBars > p.shiftBars + p.tailBarsMin) {
      issue("labelHorizonBars", "labelHorizonBars must be ≤ shiftBars + tailBarsMin (the horizon must fit in the simulated path)");
    }
    if (p.spanLengthMedian > p.spanLengthMax) issue("spanLengthMedian", "spanLengthMedian must be ≤ spanLengthMax");
  });

/**
 * Defaults overlaid with `overrides`, validated. Throws one Error listing every bad field, e.g.
 * `invalid synth parameters: garchBeta: garchAlpha + garchBeta must be < 1`. Unknown fields are errors,
 * so a misspelt `--param` never silently does nothing.
 */
export function resolveSynthParams(overrides: Partial<Record<keyof SynthParams, unknown>> | Record<string, unknown> = {}): SynthParams {
  const result = synthParamsSchema.safeParse({ ...DEFAULT_SYNTH_PARAMS, ...overrides });
  if (!result.success) {
    const details = result.error.issues.map((i) => {
      const field = i.path.join(".");
      if (i.code === "unrecognized_keys") return `unknown parameter(s) ${i.keys.join(", ")}`;
      return field ? `${field}: ${i.message}` : i.message;
    });
    throw new Error(`invalid synth parameters: ${details.join("; ")}`);
  }
  return result.data;
}

/** Names of every generator parameter, in declaration order (for the CLI's help and `--param` checks). */
export const SYNTH_PARAM_NAMES = Object.keys(DEFAULT_SYNTH_PARAMS) as (keyof SynthParams)[];
