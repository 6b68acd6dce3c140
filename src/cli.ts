import 'reflect-metadata';
import { Command } from 'commander';
import { CliContext } from './cli/cli-context';
import { registerCommands } from './cli/cli-command';
import { commandTable } from './cli/command-table';
import { loadConfigOrExit } from './config/load-config';

/**
 * The admin CLI (`node dist/src/cli.js <command> ...`): commander finds the command named in
 * `argv` in the command table and runs it; each command is an adapter in `src/cli/commands/`.
 */
async function main(argv: string[]): Promise<void> {
  const config = loadConfigOrExit();
  const program = new Command('cli')
    .description('crypto-freq-trade admin commands')
    .showHelpAfterError();
  registerCommands(program, commandTable(new CliContext(config)));
  await program.parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
