#!/usr/bin/env node
// The `turnpike` bin (package.json "bin"): runs the CLI on this process's arguments and exits with its code.
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
