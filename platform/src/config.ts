import { resolve } from 'node:path';
import type { S3Config } from '@docket/runtime/records/files/index.ts';
import { Ajv } from 'ajv';
import Type, { type Static } from 'typebox';
import type { AuthSettings } from './auth/settings.ts';
import type { ServiceOptions } from './services.ts';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' }),
  HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'Interface to bind: the loopback only by default; set 0.0.0.0 to serve the network (every API call needs a session or token)',
  }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'External PostgreSQL ≥ 15; unset = embedded database' })),
  DOCKET_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Embedded database and files; relative to the working directory' }),
  DOCKET_WEBHOOK_SECRET: Type.Optional(
    Type.String({ minLength: 16, description: 'Signs the webhooks of process service tasks (X-Docket-Signature: sha256=HMAC of the body)' }),
  ),
  DOCKET_ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', description: 'Email of the first admin, created when a tenant has none' })),
  DOCKET_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10, description: 'Password of the first admin; unset = generated and printed once' })),
  DOCKET_COOKIE_SECURE: Type.Boolean({ default: false, description: 'Mark the session cookie Secure even for plain-HTTP requests (TLS ends at a proxy)' }),
  DOCKET_SESSION_IDLE_MINUTES: Type.Integer({ minimum: 5, default: 480, description: 'A session ends after this long without a request' }),
  DOCKET_SESSION_MAX_HOURS: Type.Integer({ minimum: 1, default: 168, description: 'A session ends this long after sign-in' }),
  DOCKET_LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 20, description: 'Login attempts per client IP per minute' }),
  DOCKET_MAX_UPLOAD_MB: Type.Number({
    exclusiveMinimum: 0,
    maximum: 2048,
    default: 50,
    description: 'Largest file accepted by an upload (fields may set less)',
  }),
  DOCKET_TRUST_PROXY: Type.Optional(
    Type.String({
      pattern: '^(\\d{1,2}|[0-9a-fA-F.:/]+(\\s*,\\s*[0-9a-fA-F.:/]+)*)$',
      description: 'Reverse proxies whose X-Forwarded-For to believe: addresses/CIDR ranges (comma-separated), or the number of proxy hops; unset = none',
    }),
  ),
  DOCKET_DB_PREPARED: Type.Boolean({
    default: true,
    description:
      'PostgreSQL: run hot reads as named prepared statements (off behind a pooler that cannot keep them, e.g. PgBouncer < 1.21 in transaction mode)',
  }),
  DOCKET_WEBHOOKS_ALLOW_PRIVATE: Type.Boolean({
    default: false,
    description: 'Let webhook subscriptions target loopback and private-network addresses (off: a guard against SSRF)',
  }),
  DOCKET_S3_BUCKET: Type.Optional(Type.String({ minLength: 3, description: 'Keep files in this S3-compatible bucket instead of DOCKET_DATA_DIR/files' })),
  DOCKET_S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: 'S3-compatible endpoint, e.g. http://minio:9000 (unset = AWS)' })),
  DOCKET_S3_REGION: Type.String({ minLength: 1, default: 'us-east-1', description: 'S3 region' }),
  DOCKET_S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  DOCKET_S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  DOCKET_S3_FORCE_PATH_STYLE: Type.Boolean({ default: true, description: 'Path-style bucket URLs (MinIO and most self-hosted stores need them)' }),
  DOCKET_S3_PREFIX: Type.Optional(Type.String({ maxLength: 200, description: 'Key prefix inside the bucket' })),
  LOG_LEVEL: Type.Unsafe<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>({
    type: 'string',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  }),
});
export type Config = Static<typeof ConfigSchema> & { dataDir: string };

/** The sign-in settings the server takes from the configuration. */
export function authSettingsOf(config: Config): Partial<AuthSettings> {
  return {
    cookieSecure: config.DOCKET_COOKIE_SECURE,
    sessionIdleMs: config.DOCKET_SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: config.DOCKET_SESSION_MAX_HOURS * 3600_000,
    loginRateLimit: config.DOCKET_LOGIN_RATE_LIMIT,
  };
}

/** DOCKET_TRUST_PROXY as fastify's trustProxy: a hop count, or a list of addresses and ranges. */
export function trustProxyOf(config: Config): number | string[] | undefined {
  const raw = config.DOCKET_TRUST_PROXY?.trim();
  if (!raw) return undefined;
  return /^\d{1,2}$/.test(raw) ? Number(raw) : raw.split(',').map((s) => s.trim());
}

/** How the server's services are built from the configuration. */
export function serviceOptionsOf(config: Config): ServiceOptions {
  const s3: S3Config | undefined = config.DOCKET_S3_BUCKET
    ? {
        bucket: config.DOCKET_S3_BUCKET,
        region: config.DOCKET_S3_REGION,
        forcePathStyle: config.DOCKET_S3_FORCE_PATH_STYLE,
        ...(config.DOCKET_S3_ENDPOINT ? { endpoint: config.DOCKET_S3_ENDPOINT } : {}),
        ...(config.DOCKET_S3_PREFIX ? { prefix: config.DOCKET_S3_PREFIX } : {}),
        ...(config.DOCKET_S3_ACCESS_KEY_ID && config.DOCKET_S3_SECRET_ACCESS_KEY
          ? { credentials: { accessKeyId: config.DOCKET_S3_ACCESS_KEY_ID, secretAccessKey: config.DOCKET_S3_SECRET_ACCESS_KEY } }
          : {}),
      }
    : undefined;
  return {
    dataDir: config.dataDir,
    maxUploadBytes: Math.round(config.DOCKET_MAX_UPLOAD_MB * 1024 * 1024),
    allowPrivateWebhookTargets: config.DOCKET_WEBHOOKS_ALLOW_PRIVATE,
    ...(s3 ? { s3 } : {}),
  };
}

export class ConfigError extends Error {}

/** Reads configuration from the environment, validated by ConfigSchema; every problem is reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const raw: Record<string, unknown> = {};
  for (const k of Object.keys(ConfigSchema.properties)) if (env[k] !== undefined && env[k] !== '') raw[k] = env[k];
  const validate = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true }).compile(ConfigSchema);
  if (!validate(raw)) {
    const lines = (validate.errors ?? []).map((e) => {
      const name = e.instancePath.slice(1);
      // A regex means nothing to an operator: say what the variable takes instead.
      const described = (ConfigSchema.properties as Record<string, { description?: string }>)[name]?.description;
      const message = e.keyword === 'pattern' && described ? `not valid: ${described}` : e.message;
      return `  ${name || '(config)'}: ${message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = raw as Static<typeof ConfigSchema>;
  return { ...config, dataDir: resolve(cwd, config.DOCKET_DATA_DIR) };
}
