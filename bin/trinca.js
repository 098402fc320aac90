#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (no build step for the headless node).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli.ts');
await main(process.argv.slice(2));
