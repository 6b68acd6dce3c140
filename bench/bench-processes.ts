import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';

/** Starts a compiled script of dist/ with no HTTP port to wait for (a worker); logs to /dev/null. */
export async function spawnProcess(script: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, '..', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'],
  });
  // Give it the moment it needs to connect and register its queue workers.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  if (child.exitCode !== null) {
    throw new Error(`${script} exited with ${child.exitCode}`);
  }
  return child;
}

/** SIGTERM, then waits for the exit (SIGKILL after 30 s). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
