import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled service (`npm run build`). */
export const DIST = join(__dirname, '..', '..', 'dist', 'src');

export interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A compiled entry point of dist/src (`main.js`, `worker.js`) in its own process, output kept. */
export function run(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Running {
  if (!existsSync(join(DIST, script))) {
    throw new Error(`dist/src/${script} is missing: run \`npm run build\` first (npm test does)`);
  }
  const child = spawn(process.execPath, [join(DIST, script), ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}
