// Runs the CLI on this process's arguments and exits with its code (cli/bin/turnpike.js loads it).
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
