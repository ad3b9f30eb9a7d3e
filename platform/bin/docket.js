#!/usr/bin/env node
// The `docket` command. Docket needs Node >= 22.18 (TypeScript runs natively from then); npm installs Node 24 as a
// devDependency, so when an older Node starts this file we hand over to that one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  const { main } = await import('../src/cli/index.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  let dir = dirname(fileURLToPath(import.meta.url));
  let node;
  for (let i = 0; i < 6 && !node; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'node', 'bin', 'node');
    if (existsSync(candidate)) node = candidate;
  }
  if (!node) {
    console.error(
      `Docket needs Node.js >= 22.18 (this is ${process.version}). Run "npm install" in the Docket folder (it installs Node 24 for npm scripts) or install Node 24.`,
    );
    process.exit(1);
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
