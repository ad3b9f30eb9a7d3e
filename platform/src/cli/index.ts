import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { COMMANDS, type Command } from './commands.ts';

const USAGE = `Usage: docket <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "docket <command> --help" for a command's options. Configuration comes from the
environment: PORT, HOST, DATABASE_URL, DOCKET_DATA_DIR, LOG_LEVEL (see README).`;

function helpOf(name: string, c: Command) {
  const opts = Object.entries(c.options ?? {}).map(([o, spec]) => `  --${o}${spec.type === 'string' ? ' <value>' : ''}  ${spec.help}`);
  return `Usage: docket ${name} ${c.usage ?? ''}\n\n${c.summary}\n${opts.length ? `\nOptions:\n${opts.join('\n')}\n` : ''}  --help  Show this help`;
}

/** Runs one CLI command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`docket: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options = Object.fromEntries(Object.entries(command.options ?? {}).map(([o, s]) => [o, { type: s.type }]));
    parsed = parseArgs({ args: rest, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`docket ${name}: ${(e as Error).message}\n\n${helpOf(name, command)}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(helpOf(name, command));
    return 0;
  }
  if (parsed.positionals.length !== (command.positionals ?? 0)) {
    console.error(`docket ${name}: expected ${command.positionals ?? 0} argument(s)\n\n${helpOf(name, command)}`);
    return 2;
  }
  try {
    return await command.run({ args: parsed.positionals, options: parsed.values as Record<string, string | boolean | undefined>, config: () => loadConfig() });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    const err = e as Error & { code?: string };
    const prefix = err.code && !err.message.startsWith(err.code) ? `${err.code}: ` : '';
    console.error(`docket ${name}: ${prefix}${err.message}`);
    if (!err.code) console.error(err.stack);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
