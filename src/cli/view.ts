/**
 * `spanlab view [DIR …] [--port N] [--host H]`: serves the local web app over the folders (default: the
 * current one; src/view/server/, docs/spec.md §14), prints its URL — with the token when the host is not
 * a loopback address — and runs until interrupted (Ctrl-C).
 */
import type { Command } from "commander";
import { startViewServer } from "../view/server/server.js";
import { integerFlag } from "./flags.js";

/** The port when none is given. */
export const DEFAULT_VIEW_PORT = 4179;

interface ViewFlags {
  port?: string;
  host: string;
}

export function registerViewCommand(program: Command): void {
  program
    .command("view")
    .description("serve a local web app over run, comparison, sweep, window, bars, detections and annotations files")
    .argument("[dirs...]", "folders to serve (default: the current folder)")
    .option("--port <n>", `port to listen on (default ${DEFAULT_VIEW_PORT}; 0 picks a free one)`)
    .option("--host <host>", "address to bind; anything but a loopback address requires the printed token", "127.0.0.1")
    .action(async (dirs: string[], flags: ViewFlags) => {
      const port = flags.port === undefined ? DEFAULT_VIEW_PORT : integerFlag("port", flags.port, 0);
      if (port > 65535) throw new Error(`--port must be an integer in [0, 65535], got ${JSON.stringify(flags.port)}`);
      const server = await startViewServer({
        roots: dirs.length > 0 ? dirs : ["."],
        port,
        host: flags.host,
        log: (message) => process.stderr.write(`spanlab view: ${message}\n`),
      });
      const roots = server.roots.join(", ");
      if (server.token === null) {
        process.stdout.write(`spanlab view: serving ${roots}\n  ${server.url}\n(Ctrl-C to stop)\n`);
      } else {
        process.stdout.write(
          `spanlab view: serving ${roots} on ${server.host}, beyond loopback: every request needs the token\n` +
            `  ${server.url}?token=${server.token}\n(Ctrl-C to stop)\n`,
        );
      }
      await new Promise<void>((resolve, reject) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          server.close().then(resolve, reject);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      process.stdout.write("spanlab view: stopped\n");
    });
}
