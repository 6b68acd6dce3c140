import type { Command } from 'commander';

/**
 * One command of the CLI, an adapter like a controller: `register` declares its name, options and
 * arguments on `parent` (the program, or its group) and hands what was parsed to `run`, which
 * calls the service method REST, GraphQL and jobs call.
 */
export interface CliCommand {
  register(parent: Command): void;
}

/** Sub-commands under one name: `api-key create`, `paper show`. */
export interface CliCommandGroup {
  name: string;
  description: string;
  commands: readonly CliCommand[];
}

/** Declares each command of the table (groups with their sub-commands) on the program, in order. */
export function registerCommands(
  program: Command,
  table: readonly (CliCommand | CliCommandGroup)[],
): void {
  for (const entry of table) {
    if ('commands' in entry) {
      const group = program.command(entry.name).description(entry.description);
      entry.commands.forEach((command) => command.register(group));
    } else {
      entry.register(program);
    }
  }
}
