import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { renderContracts } from '../render-contracts';

interface OpenApiOptions {
  out: string;
  schema: string;
}

/** `openapi`: writes openapi.yaml and schema.gql as the code produces them (renderContracts). */
export class OpenApiCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('openapi')
      .description('Write openapi.yaml and the GraphQL schema from the code')
      .option('--out <path>', 'OpenAPI file', 'openapi.yaml')
      .option('--schema <path>', 'GraphQL schema file', 'schema.gql')
      .action((options: OpenApiOptions) => this.run(options));
  }

  async run(options: OpenApiOptions): Promise<void> {
    const { openapi, schema } = await renderContracts(this.cli.config);
    await writeFile(options.out, openapi);
    await writeFile(options.schema, schema);
    process.stdout.write(`Wrote ${options.out} and ${options.schema}\n`);
  }
}
