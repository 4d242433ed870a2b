import { WorkbenchError } from '../../shared/errors.js';

/** How a command's options are declared: a flag takes no value; the others take one. */
export type OptionKind = 'flag' | 'string' | 'count' | 'list';

export interface ParsedArgs {
  positional: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  /** Every option that took a value, in command-line order (for commands whose options apply in order). */
  sequence: { name: string; value: string }[];
}

/**
 * Parses `--name value`, `--name=value`, `-o value` and flags against a command's declared
 * options. Anything undeclared is a one-line WorkbenchError (exit code 2), never ignored.
 */
export function parseArgs(argv: readonly string[], spec: Record<string, OptionKind>, aliases: Record<string, string> = {}): ParsedArgs {
  const positional: string[] = [];
  const options: ParsedArgs['options'] = {};
  const sequence: ParsedArgs['sequence'] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq > 0 ? arg.slice(0, eq) : arg;
    const name = aliases[rawName] ?? rawName.replace(/^--?/, '');
    const kind = spec[name];
    if (!kind) throw new WorkbenchError('BAD_OPTION', `unknown option ${rawName}`);
    if (kind === 'flag') {
      if (eq > 0) throw new WorkbenchError('BAD_OPTION', `option ${rawName} takes no value`);
      options[name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new WorkbenchError('BAD_OPTION', `option ${rawName} needs a value`);
    if (kind === 'count' && !/^\d+$/.test(value)) {
      throw new WorkbenchError('BAD_OPTION', `option ${rawName} needs a non-negative whole number, not "${value}"`);
    }
    sequence.push({ name, value });
    if (kind === 'list') ((options[name] ??= []) as string[]).push(value);
    else options[name] = value;
  }
  return { positional, options, sequence };
}

/** The one positional argument a command needs, or a usage error naming it. */
export function onePositional(args: ParsedArgs, what: string, usage: string): string {
  if (args.positional.length === 0) throw new WorkbenchError('USAGE', `missing ${what}; usage: ${usage}`);
  if (args.positional.length > 1) throw new WorkbenchError('USAGE', `unexpected argument "${args.positional[1]}"; usage: ${usage}`);
  return args.positional[0]!;
}

/** `--dim name=value` options as a map, or a WorkbenchError naming the malformed one. */
export function parseDims(list: readonly string[] | undefined): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const item of list ?? []) {
    const m = /^([^=]+)=(\d+)$/.exec(item);
    if (!m) throw new WorkbenchError('BAD_OPTION', `--dim needs name=value with a whole number, not "${item}"`);
    dims[m[1]!] = Number(m[2]);
  }
  return dims;
}
