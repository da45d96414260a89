#!/usr/bin/env node
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// A cloud SDK's keep-alive socket must not hold a finished command open; this timer does not
// keep the process alive by itself.
setTimeout(() => process.exit(), 2_000).unref();
