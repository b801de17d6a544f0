#!/usr/bin/env node
// Runs the connect-local binary of this platform's package (@connect-local/<os>-<cpu>, an
// optional dependency npm installs only where it fits), passing arguments, standard streams,
// signals and the exit status through.
"use strict";
const { spawn } = require("node:child_process");

const platformPackage = `@connect-local/${process.platform}-${process.arch}`;
let binary;
try {
  binary = require.resolve(`${platformPackage}/bin/connect-local`);
} catch {
  console.error(
    `connect-local: no binary for ${process.platform}-${process.arch}: ${platformPackage} is not installed. ` +
      "Builds exist for linux-x64; elsewhere, cargo install connect-local.",
  );
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => {
  console.error(`connect-local: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
