import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up, into a typed object. Every problem names the
 * environment variable so an operator can fix it without reading code.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({ setting: i.path.join('.') || '(environment)', message: i.message }));
  throw new ConfigError(problems);
}

/** For a service's main(): bad configuration exits at once with a message naming the setting. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}
