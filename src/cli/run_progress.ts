/**
 * Training progress for the commands that train many runs (compare, sweep): bars on a terminal, a line
 * per run every 10 epochs (and at its first and last) otherwise; messages above the bars.
 */
import cliProgress from "cli-progress";
import type { TrainEvent } from "../train/train.js";

/** Per-run progress: bars on a terminal, a line per run every 10 epochs (and at its end) otherwise. */
export function runProgress(quiet: boolean): { onRunEvent: (label: string, event: TrainEvent) => void; onMessage: (m: string) => void; stop: () => void } {
  const write = (line: string) => (quiet ? process.stderr : process.stdout).write(`${line}\n`);
  if (!process.stderr.isTTY) {
    return {
      onRunEvent(label, event) {
        if (event.kind !== "epoch") return;
        const r = event.record;
        if (r.epoch % 10 === 0 || r.epoch === r.epochs || r.epoch === 1) {
          write(
            `[${label}] epoch ${r.epoch}/${r.epochs}: train_loss=${r.train.weighted.toFixed(4)} val_loss=${r.validation.unweighted.toFixed(4)} span_F1=${r.span.f1.toFixed(3)}`,
          );
        }
      },
      onMessage: write,
      stop() {},
    };
  }
  const multibar = new cliProgress.MultiBar(
    { stream: process.stderr, format: "{label} |{bar}| epoch {epoch}/{epochs}  loss {loss}  val {val}  F1 {f1}", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    onRunEvent(label, event) {
      let bar = bars.get(label);
      if (event.kind === "start") {
        bar = multibar.create(event.epochs * event.stepsPerEpoch, (event.startEpoch - 1) * event.stepsPerEpoch, {
          label: label.padEnd(14),
          epoch: event.startEpoch,
          epochs: event.epochs,
          loss: "—",
          val: "—",
          f1: "—",
        });
        bars.set(label, bar);
      } else if (bar && event.kind === "step") {
        bar.update((event.epoch - 1) * event.stepsPerEpoch + event.step, { epoch: event.epoch, loss: event.loss.toFixed(4) });
      } else if (bar && event.kind === "epoch") {
        bar.update({ val: event.record.validation.unweighted.toFixed(4), f1: event.record.span.f1.toFixed(3) });
      }
    },
    onMessage: (m) => multibar.log(`${m}\n`),
    stop: () => multibar.stop(),
  };
}
