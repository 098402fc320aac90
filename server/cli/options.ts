// Command-line options as data: each option is one entry (flag, environment variable, help,
// zod schema), from which come the parser, the usage text and the typed result. Adding an
// option is adding an entry; nothing else needs to know about it.
import { parseArgs } from 'node:util';
import { z } from 'zod';

export class UsageError extends Error {}

export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  /** The flag without its dashes; absent for settings read only from the environment. */
  flag?: string;
  /** Environment variable read when the flag is absent (an empty value counts as absent). */
  env?: string;
  /** Placeholder in the usage text (PORT, DIR, …); absent for boolean switches. */
  arg?: string;
  /** A switch: `--flag` alone means "true". */
  boolean?: boolean;
  /** The default as the usage text shows it (the schema's `.default()` sets the value). */
  shows?: string;
  help: string;
  /** Parses the raw text (undefined when not given) into the option's value. */
  schema: S;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues<T extends OptionSpecs> = { -readonly [K in keyof T]: z.output<T[K]['schema']> };
type Shape<T extends OptionSpecs> = { [K in keyof T]: T[K]['schema'] };

/** The zod object schema of a table of options (raw text in, typed values out). */
export function optionsSchema<T extends OptionSpecs>(specs: T): z.ZodObject<Shape<T>> {
  return z.object(Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, s.schema])) as Shape<T>);
}

/**
 * A value parsed from text by `parse`, which throws an Error whose message completes
 * "--flag …" (e.g. "must be a port number 1–65535, got "x""). Required unless made
 * `.optional()` or given a `.default()`.
 */
export function fromText<T>(parse: (text: string) => T) {
  return z.string({ error: 'is required' }).transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER, what = min === 1 && max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer ${min}–${max}`) {
  return fromText((t) => {
    const n = Number(t);
    if (t.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new Error(`must be ${what}, got "${t}"`);
    return n;
  });
}

export const port = () => integer(1, 65535, 'a port number 1–65535');

/** Where a raw value came from, to name it in an error. */
type Source = Record<string, string>;

function name(spec: OptionSpec | undefined, key: string, source: Source): string {
  return source[key] ?? (spec?.flag ? `--${spec.flag}` : spec?.env ?? key);
}

export function isHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * Reads argv (strictly: unknown flags and positionals are usage errors) and the environment
 * into the options' values, or throws a UsageError naming the flag or variable at fault.
 */
export function readOptions<T extends OptionSpecs>(specs: T, argv: string[], env: NodeJS.ProcessEnv = {}, schema: z.ZodType<OptionValues<T>> = optionsSchema(specs) as unknown as z.ZodType<OptionValues<T>>): OptionValues<T> {
  const flags: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const s of Object.values(specs)) if (s.flag) flags[s.flag] = { type: s.boolean ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // One line; the hint about positionals is noise here (no command takes any).
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\. To specify a positional.*$/, ''));
  }
  const raw: Record<string, string | undefined> = {};
  const source: Source = {};
  for (const [key, s] of Object.entries(specs)) {
    const v = s.flag ? values[s.flag] : undefined;
    if (v !== undefined) {
      raw[key] = typeof v === 'boolean' ? String(v) : v;
      source[key] = `--${s.flag}`;
    } else if (s.env && env[s.env] !== undefined && env[s.env] !== '') {
      raw[key] = env[s.env];
      source[key] = s.env;
    }
  }
  return parseRaw(specs, raw, source, schema);
}

/** Parses raw option text (as from flags) with the options' schema; errors name the flag. */
export function parseRaw<T extends OptionSpecs>(specs: T, raw: Record<string, string | undefined>, source: Source = {}, schema: z.ZodType<OptionValues<T>> = optionsSchema(specs) as unknown as z.ZodType<OptionValues<T>>): OptionValues<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? '');
  if (!key) throw new UsageError(issue.message);
  throw new UsageError(`${name(specs[key], key, source)} ${issue.message}`);
}

/** The usage text of one command: its synopsis, then every option with its default. */
export function usage(synopsis: string, specs: OptionSpecs, about?: string): string {
  const rows = Object.values(specs).map((s) => {
    const left = s.flag ? `--${s.flag}${s.arg ? ` ${s.arg}` : ''}` : `env ${s.env}`;
    const required = !s.schema.safeParse(undefined).success;
    const notes = [required ? 'required' : '', s.shows !== undefined ? `default ${s.shows}` : '', s.flag && s.env ? `env ${s.env}` : ''].filter(Boolean).join('; ');
    return [left, notes ? `${s.help} (${notes})` : s.help] as const;
  });
  const width = Math.min(28, Math.max(...rows.map(([l]) => l.length), 0));
  const lines = rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`);
  return [`usage: ${synopsis}`, ...(about ? ['', about] : []), '', 'options:', ...lines, `  ${'-h, --help'.padEnd(width)}  print this help and exit`].join('\n');
}

/** The options as a Markdown table (README.md's `trinca node` table is this, checked by a test). */
export function markdownTable(specs: OptionSpecs): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = Object.values(specs).map((s) => {
    const flag = s.flag ? `\`--${s.flag}${s.arg ? ` ${s.arg}` : ''}\`` : '';
    const env = s.env ? `\`${s.env}\`` : '';
    const dflt = !s.schema.safeParse(undefined).success ? 'required' : s.shows !== undefined ? cell(s.shows) : '';
    return `| ${cell(flag)} | ${env} | ${dflt} | ${cell(s.help)} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
