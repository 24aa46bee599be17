/**
 * Training progress for a person: a progress bar (epoch, step, current losses, time left) on a terminal,
 * plain log lines otherwise (CI, pipes, files), so logs stay readable where a bar would be noise.
 */
import cliProgress from "cli-progress";
import type { TrainEvent } from "../train/train.js";

export interface ProgressDisplay {
  onEvent(event: TrainEvent): void;
  stop(): void;
}

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, label = ""): ProgressDisplay {
  if (!stream.isTTY) {
    return {
      onEvent(event) {
        if (event.kind === "start") process.stdout.write(`${event.header.join("\n")}\n`);
        if (event.kind === "epoch") process.stdout.write(`${event.lines.join("\n")}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label}epoch {epoch}/{epochs} |{bar}| step {step}/{steps}  loss {loss}  val {val}  F1 {f1}  ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let epochs = 0;
  let steps = 0;
  let completedSteps = 0;
  let last = { val: "—", f1: "—" };
  return {
    onEvent(event) {
      if (event.kind === "start") {
        // The header names the model and its parameter count; it stays above the bar.
        process.stdout.write(`${event.header.join("\n")}\n`);
        epochs = event.epochs;
        steps = event.stepsPerEpoch;
        completedSteps = (event.startEpoch - 1) * steps;
        bar.start(epochs * steps, completedSteps, { epoch: event.startEpoch, epochs, step: 0, steps, loss: "—", ...last });
      } else if (event.kind === "step") {
        completedSteps = (event.epoch - 1) * steps + event.step;
        bar.update(completedSteps, { epoch: event.epoch, step: event.step, loss: event.loss.toFixed(4), ...last });
      } else {
        last = { val: event.record.validation.unweighted.toFixed(4), f1: event.record.span.f1.toFixed(3) };
        bar.update(completedSteps, last);
      }
    },
    stop() {
      bar.stop();
    },
  };
}
