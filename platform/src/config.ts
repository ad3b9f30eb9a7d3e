import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import Type, { type Static } from 'typebox';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to bind; 127.0.0.1 until authentication lands' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'External PostgreSQL ≥ 15; unset = embedded database' })),
  DOCKET_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Embedded database and files; relative to the working directory' }),
  DOCKET_WEBHOOK_SECRET: Type.Optional(
    Type.String({ minLength: 16, description: 'Signs the webhooks of process service tasks (X-Docket-Signature: sha256=HMAC of the body)' }),
  ),
  LOG_LEVEL: Type.Unsafe<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>({
    type: 'string',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  }),
});
export type Config = Static<typeof ConfigSchema> & { dataDir: string };

export class ConfigError extends Error {}

/** Reads configuration from the environment, validated by ConfigSchema; every problem is reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const raw: Record<string, unknown> = {};
  for (const k of Object.keys(ConfigSchema.properties)) if (env[k] !== undefined && env[k] !== '') raw[k] = env[k];
  const validate = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true }).compile(ConfigSchema);
  if (!validate(raw)) {
    const lines = (validate.errors ?? []).map((e) => `  ${e.instancePath.slice(1) || '(config)'}: ${e.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = raw as Static<typeof ConfigSchema>;
  return { ...config, dataDir: resolve(cwd, config.DOCKET_DATA_DIR) };
}
