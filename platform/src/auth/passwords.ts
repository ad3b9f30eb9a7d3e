import { hash, verify } from '@node-rs/argon2';
import { randomSecret } from './secrets.ts';

export const MIN_PASSWORD_LENGTH = 10;

/** argon2id (the library's default algorithm) with its default cost: 19 MiB, 2 passes. */
export const hashPassword = (password: string): Promise<string> => hash(password);

// Verified against when the email is unknown, so both failures take about as long.
let dummy: Promise<string> | undefined;

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hashPassword(randomSecret(16));
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** A generated password for the first admin: 20 URL-safe characters (120 bits). */
export const generatePassword = (): string => randomSecret(15);
