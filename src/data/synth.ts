/**
 * Seeded synthetic market data: spanlab's bundled default dataset and the data of every test that needs
 * realistic windows without shipping real market data.
 *
 * Each annotated event is one simulated bar path of 105 + 2·shift bars (1-minute NQ-like bars: price level
 * 15000–20000, tick 0.25). The base window is the middle 105 bars; the overlap windows of docs/spec.md §1 are the
 * same path cut `shift` bars later or earlier, so an overlap really shows the bars after / before the base
 * window instead of padding.
 *
 * The path, bar by bar:
 *  - Log-price random walk whose variance follows a GARCH(1,1) recursion (volatility clustering) with
 *    Student-t shocks (fat tails), on a per-event volatility level (some sessions are busier than others).
 *  - Each bar is built from its open: a close return drawn by the bar's regime, then an intrabar Brownian
 *    bridge from open to close gives high and low (wicks scale with the bar's volatility). Prices are
 *    rounded to the tick; high/low are rounded outwards, so high ≥ max(open, close) and low ≤ min(open,
 *    close) always hold. A bar's open is the previous close, except for occasional 1–2 tick gaps
 *    (`gapProbability`), as in real 1-minute futures data where a new minute's first trade can print a tick
 *    away from the previous minute's last.
 *  - Regimes: background; a quieter mean-reverting consolidation before the span; the expansion span
 *    itself (several bars of enlarged ranges with bodies mostly in one direction, variable strength); an
 *    aftermath (a pullback or a settling / continuation); and decoys placed away from the event — news
 *    spikes (huge wicks, small bodies, no direction) and failed breakouts (a directional burst that fully
 *    reverses). Decoys and volatility clustering are what keep a one-feature rule from finding the span.
 *  - The label is read off the simulated path, not drawn: `retracement` when, within `labelHorizonBars`
 *    bars after the span, a close gives back at least `retracementThreshold` of the span's net move
 *    (open of the first span bar to close of the last), else `consolidation`. The aftermath regime only
 *    makes one outcome likelier; noise decides the rest.
 */
import type { Rng } from "../util/rng.js";
import { resolveSynthParams, type SynthParams } from "./synth_params.js";
import { WINDOW_BARS, type Bar, type Label, type Window } from "./window.js";

export { DEFAULT_SYNTH_PARAMS, resolveSynthParams, SYNTH_PARAM_NAMES, type SynthParams } from "./synth_params.js";

// ───────────────────────────── one event's bar path ─────────────────────────────

/** What drives a bar; decided before the walk except where the path itself feeds back (reversion, pullback). */
type Regime =
  | { kind: "background" }
  | { kind: "consolidation" }
  | { kind: "expansion" }
  | { kind: "pullback" }
  | { kind: "settle" }
  | { kind: "continuation" }
  | { kind: "spike" }
  | { kind: "fakeout"; direction: 1 | -1; burstBars: number; offset: number };

/** A simulated event: its full bar path and where the span sits on it. */
export interface SimulatedEvent {
  bars: Bar[];
  /** Contracts per bar, or undefined when `volumeMedian` is 0. */
  volume?: number[];
  /** Span on the path (not the window), inclusive. */
  spanStart: number;
  spanEnd: number;
  /** +1 for an upward expansion, −1 downward. */
  direction: 1 | -1;
  label: Label;
  /** Largest close-to-close give-back within the label horizon, as a fraction of the span's net move. */
  retracedFraction: number;
}

function studentT(rng: Rng, degrees: number): number {
  // t = z / sqrt(χ²_ν / ν), rescaled by sqrt((ν−2)/ν) to unit variance so the GARCH scale stays meaningful.
  let chiSquare = 0;
  for (let k = 0; k < degrees; k++) {
    const g = rng.normal();
    chiSquare += g * g;
  }
  return (rng.normal() / Math.sqrt(chiSquare / degrees)) * Math.sqrt((degrees - 2) / degrees);
}

function poisson(rng: Rng, mean: number): number {
  // Knuth's multiplication method: exact and fast for the small means used here.
  const limit = Math.exp(-mean);
  let k = 0;
  let product = rng.next();
  while (product > limit) {
    k++;
    product *= rng.next();
  }
  return k;
}

function uniformInt(rng: Rng, low: number, high: number): number {
  return low + rng.int(high - low + 1);
}

/** Span length: log-normal around the median, rounded, at least 1 bar, redrawn above the maximum. */
function drawSpanLength(rng: Rng, p: SynthParams): number {
  for (;;) {
    const length = Math.max(1, Math.round(Math.exp(Math.log(p.spanLengthMedian) + p.spanLengthDispersion * rng.normal())));
    if (length <= p.spanLengthMax) return length;
  }
}

/**
 * Simulate one event's path of WINDOW_BARS + 2·shiftBars bars. The base window is path bars
 * [shiftBars, shiftBars + WINDOW_BARS).
 */
export function simulateEvent(p: SynthParams, rng: Rng): SimulatedEvent {
  const pathBars = WINDOW_BARS + 2 * p.shiftBars;
  const tick = p.tickSize;
  const roundToTick = (price: number) => Math.round(price / tick) * tick;

  // Event layout: span length and placement inside the base window, consolidation before it.
  const spanLength = drawSpanLength(rng, p);
  const baseStart = uniformInt(rng, p.leadBarsMin, WINDOW_BARS - p.tailBarsMin - spanLength);
  const spanStart = p.shiftBars + baseStart;
  const spanEnd = spanStart + spanLength - 1;
  const consolidationBars = uniformInt(rng, p.consolidationBarsMin, p.consolidationBarsMax);
  const consolidationStart = spanStart - consolidationBars;
  const horizonEnd = spanEnd + p.labelHorizonBars;
  const direction: 1 | -1 = rng.bernoulli(0.5) ? 1 : -1;

  const regimes: Regime[] = Array.from({ length: pathBars }, () => ({ kind: "background" }) as Regime);
  for (let t = consolidationStart; t < spanStart; t++) regimes[t] = { kind: "consolidation" };
  for (let t = spanStart; t <= spanEnd; t++) regimes[t] = { kind: "expansion" };
  const aftermath = rng.bernoulli(p.retracementProbability) ? "pullback" : rng.bernoulli(0.5) ? "settle" : "continuation";
  // A pullback plays out over part of the horizon, then the market goes back to background.
  const pullbackBars = uniformInt(rng, Math.min(3, p.labelHorizonBars), p.labelHorizonBars);
  const aftermathBars = aftermath === "pullback" ? pullbackBars : p.labelHorizonBars;
  for (let t = spanEnd + 1; t <= Math.min(spanEnd + aftermathBars, pathBars - 1); t++) regimes[t] = { kind: aftermath } as Regime;

  // Decoys: placed on free stretches away from the event (consolidation start − 3 … horizon end).
  const decoyCount = poisson(rng, (p.decoyRate * (pathBars - (horizonEnd - consolidationStart + 4))) / 100);
  for (let d = 0; d < decoyCount; d++) {
    const failed = rng.bernoulli(p.failedBreakoutShare);
    const burstBars = failed ? uniformInt(rng, 1, 4) : 0;
    const decoyBars = failed ? burstBars + uniformInt(rng, 1, burstBars + 1) : uniformInt(rng, 1, 3);
    const at = uniformInt(rng, 0, pathBars - decoyBars);
    let free = true;
    for (let t = at - 2; t < at + decoyBars + 2 && free; t++) {
      if (t < 0 || t >= pathBars) continue;
      if (regimeAt(regimes, t).kind !== "background" || (t >= consolidationStart - 3 && t <= horizonEnd)) free = false;
    }
    if (!free) continue; // a collision just means one decoy fewer; the rate stays approximately right
    const decoyDirection: 1 | -1 = rng.bernoulli(0.5) ? 1 : -1;
    for (let k = 0; k < decoyBars; k++) {
      regimes[at + k] = failed ? { kind: "fakeout", direction: decoyDirection, burstBars, offset: k } : { kind: "spike" };
    }
  }

  // Per-event scales: session volatility, slow drift, expansion strength, aftermath depth.
  const sigmaEvent = p.barVolatility * Math.exp(p.volatilityDispersion * rng.normal());
  const drift = p.backgroundDrift * rng.normal() * sigmaEvent;
  const expansionDrift = rng.uniform(p.expansionDriftMin, p.expansionDriftMax);
  const expansionVolatility = rng.uniform(p.expansionVolatilityMin, p.expansionVolatilityMax);
  const pullbackDepth = rng.uniform(p.retracementDepthMin, p.retracementDepthMax);
  const omega = 1 - p.garchAlpha - p.garchBeta;

  const bars: Bar[] = [];
  const volume: number[] = [];
  const closes: number[] = []; // log closes
  let variance = 1; // GARCH variance in units of sigmaEvent², unconditional mean 1
  let close = roundToTick(rng.uniform(p.startPriceMin, p.startPriceMax));
  let anchor = Math.log(close); // centre the mean-reverting regimes pull towards
  let fakeoutStartLog = 0;
  let spanMove = 0; // signed net log move of the span, known once the span is over

  for (let t = 0; t < pathBars; t++) {
    const regime = regimeAt(regimes, t);
    let open = close;
    if (t > 0 && rng.bernoulli(p.gapProbability)) open = Math.max(tick, close + (rng.bernoulli(0.5) ? 1 : -1) * uniformInt(rng, 1, 2) * tick);
    const logOpen = Math.log(open);
    const sigma = sigmaEvent * Math.sqrt(variance);
    const shock = studentT(rng, p.tailDegreesOfFreedom);

    // Close return = deterministic part + noiseScale·sigma·shock; `wick` sets the intrabar bridge's spread;
    // `clustering` is the multiple of the shock that feeds the GARCH recursion.
    let deterministic = 0;
    let noiseScale = 1;
    let wick = 1;
    let clustering: number | undefined;
    switch (regime.kind) {
      case "background":
        deterministic = drift;
        break;
      case "consolidation":
        if (t === consolidationStart) anchor = logOpen;
        noiseScale = wick = p.consolidationVolatility;
        deterministic = -p.consolidationReversion * (logOpen - anchor);
        break;
      case "expansion": {
        // Bodies mostly with the move; the per-bar drift wobbles so long spans have uneven bars.
        wick = expansionVolatility;
        noiseScale = expansionVolatility * p.expansionBodyNoise;
        // Expansions leave volatility behind them, as real breakouts do.
        clustering = expansionVolatility;
        deterministic = direction * expansionVolatility * sigma * expansionDrift * rng.uniform(0.6, 1.4);
        break;
      }
      case "pullback":
        // Aim to give back `pullbackDepth` of the span's move over the pullback's bars.
        noiseScale = wick = 1.1;
        deterministic = (-pullbackDepth * spanMove) / pullbackBars;
        break;
      case "settle":
        if (t === spanEnd + 1) anchor = logOpen;
        noiseScale = wick = 0.8;
        deterministic = -0.3 * (logOpen - anchor);
        break;
      case "continuation":
        noiseScale = wick = 0.9;
        deterministic = direction * 0.3 * sigma;
        break;
      case "spike":
        // News: a big two-sided excursion inside the bar, a modest body, no lasting direction; the
        // market stays nervous afterwards, so the wick (not the body) feeds the variance recursion.
        noiseScale = 1.3;
        wick = p.spikeVolatility;
        clustering = p.spikeVolatility;
        break;
      case "fakeout":
        if (regime.offset === 0) fakeoutStartLog = logOpen;
        if (regime.offset < regime.burstBars) {
          wick = 1.6;
          noiseScale = 0.8;
          deterministic = regime.direction * 1.6 * sigma * p.failedBreakoutDrift;
        } else {
          // Reversal: spread the way back to the burst's starting level over the remaining bars.
          wick = 1.6;
          noiseScale = 0.5;
          deterministic = -(logOpen - fakeoutStartLog) / countFakeoutBarsLeft(regimes, t);
        }
        break;
    }
    const ret = deterministic + noiseScale * sigma * shock;

    const logClose = logOpen + ret;
    // Intrabar path: Brownian bridge from 0 to `ret` with total variance (wick·sigma)².
    const steps = p.intrabarSteps;
    const stepStd = (wick * sigma) / Math.sqrt(steps);
    const walk: number[] = [0];
    for (let k = 1; k <= steps; k++) walk.push(walk[k - 1]! + stepStd * rng.normal());
    const endGap = walk[steps]! - ret;
    let high = 0;
    let low = 0;
    for (let k = 1; k <= steps; k++) {
      const point = walk[k]! - (k / steps) * endGap;
      if (point > high) high = point;
      if (point < low) low = point;
    }
    close = Math.max(tick, roundToTick(Math.exp(logClose)));
    const highPrice = Math.max(open, close, Math.ceil((open * Math.exp(high)) / tick - 1e-9) * tick);
    const lowPrice = Math.min(open, close, Math.max(tick, Math.floor((open * Math.exp(low)) / tick + 1e-9) * tick));
    bars.push([open, highPrice, lowPrice, close]);
    if (p.volumeMedian > 0) {
      // Volume rises with the bar's range relative to an ordinary bar (≈ 1.25·sigma for a bridge), with
      // log-normal noise: busy bars trade more, as on any exchange.
      const relativeRange = Math.max((highPrice - lowPrice) / (open * sigmaEvent * 1.25), 0.05);
      volume.push(Math.max(1, Math.round(p.volumeMedian * relativeRange ** 0.8 * Math.exp(0.35 * rng.normal()))));
    }
    const realisedLogClose = Math.log(close);
    closes.push(realisedLogClose);

    // Volatility clustering: the bar's standardised shock, scaled by its regime, feeds the next variance.
    // The cap keeps a rare fat-tailed shock from blowing the path up.
    const standardised = (clustering ?? noiseScale) * shock;
    variance = Math.min(omega + p.garchAlpha * standardised * standardised * variance + p.garchBeta * variance, 9);

    if (t === spanEnd) spanMove = realisedLogClose - Math.log(bars[spanStart]![0]);
  }

  // Label from the path: the deepest close-to-close give-back within the horizon.
  const netMove = Math.max(direction * spanMove, 1e-12);
  let deepest = 0;
  for (let t = spanEnd + 1; t <= Math.min(horizonEnd, pathBars - 1); t++) {
    deepest = Math.max(deepest, direction * (closes[spanEnd]! - closes[t]!));
  }
  const retracedFraction = deepest / netMove;
  const label: Label = retracedFraction >= p.retracementThreshold ? "retracement" : "consolidation";
  return { bars, ...(p.volumeMedian > 0 ? { volume } : {}), spanStart, spanEnd, direction, label, retracedFraction };
}

/** regimes[t]: every bar of the path has one. */
function regimeAt(regimes: readonly Regime[], t: number): Regime {
  const regime = regimes[t];
  if (regime === undefined) throw new Error(`synth: no regime for bar ${t} of ${regimes.length}`);
  return regime;
}

function countFakeoutBarsLeft(regimes: Regime[], t: number): number {
  let n = 0;
  const current = regimeAt(regimes, t);
  if (current.kind !== "fakeout") return 1;
  for (let k = t; k < regimes.length; k++) {
    const r = regimeAt(regimes, k);
    if (r.kind !== "fakeout" || r.offset !== current.offset + (k - t)) break;
    n++;
  }
  return Math.max(1, n);
}

// ───────────────────────────── windows from events ─────────────────────────────

/** `syn-0001`-style id; widens beyond 4 digits when there are more windows. */
function baseId(index: number, total: number): string {
  return `syn-${String(index + 1).padStart(Math.max(4, String(total).length), "0")}`;
}

/**
 * Cut the base window and its overlaps from one simulated event. Overlap `s+N` starts N bars later than
 * the base (the span moves N bars left), `s-N` starts N bars earlier (the span moves right); each is kept
 * only when at least `minVisibleSpanFraction` of the span stays inside, and its span indices are clipped
 * to [0, 104].
 */
export function cutWindows(event: SimulatedEvent, id: string, p: SynthParams): Window[] {
  const spanLength = event.spanEnd - event.spanStart + 1;
  const windows: Window[] = [];
  for (const shift of [0, p.shiftBars, -p.shiftBars]) {
    const offset = p.shiftBars + shift;
    const start = event.spanStart - offset;
    const end = event.spanEnd - offset;
    const clippedStart = Math.max(0, start);
    const clippedEnd = Math.min(WINDOW_BARS - 1, end);
    const visible = Math.max(0, clippedEnd - clippedStart + 1);
    if (shift !== 0 && visible / spanLength < p.minVisibleSpanFraction) continue;
    if (visible === 0) continue;
    windows.push({
      window_id: shift === 0 ? id : `${id}-s${shift > 0 ? "+" : "-"}${Math.abs(shift)}`,
      base_window_id: id,
      label: event.label,
      expansion_start: clippedStart,
      expansion_end: clippedEnd,
      features: event.bars.slice(offset, offset + WINDOW_BARS).map((bar) => [...bar] as Bar),
      ...(event.volume ? { volume: event.volume.slice(offset, offset + WINDOW_BARS) } : {}),
    });
  }
  return windows;
}

/**
 * The synthetic dataset: `params.windows` events, each giving its base window followed by the overlaps
 * that pass the visibility rule. Every event draws from its own fork of `rng`, so the first k events are
 * the same whatever `params.windows` is.
 */
export function synthesizeWindows(params: SynthParams, rng: Rng): Window[] {
  const p = resolveSynthParams(params);
  const windows: Window[] = [];
  for (let i = 0; i < p.windows; i++) {
    const event = simulateEvent(p, rng.fork());
    windows.push(...cutWindows(event, baseId(i, p.windows), p));
  }
  return windows;
}
