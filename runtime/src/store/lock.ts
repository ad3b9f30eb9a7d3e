import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DocketError } from '../errors.ts';

interface LockInfo {
  pid: number;
  host: string;
  purpose: string;
  since: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One process at a time may open an embedded data dir (PGlite is a single session).
 * The lock file names its holder; a lock left by a dead process on this host is taken over.
 */
export async function lockDataDir(dataDir: string, purpose: string): Promise<() => Promise<void>> {
  const file = join(dataDir, 'docket.lock');
  const mine: LockInfo = { pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${JSON.stringify(mine)}\n`);
      await handle.close();
      return async () => {
        const held = await readFile(file, 'utf8').catch(() => '');
        if (held.includes(`"pid":${process.pid},`)) await rm(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: LockInfo | undefined;
      try {
        holder = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
      } catch {
        holder = undefined;
      }
      if (holder && (holder.host !== mine.host || alive(holder.pid))) {
        throw new DocketError(
          'DATA_DIR_LOCKED',
          `The data directory ${dataDir} is in use by process ${holder.pid} on ${holder.host} (${holder.purpose}, since ${holder.since}). ` +
            'Stop that process first: the embedded database serves one process at a time.',
          { dataDir, holder },
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new DocketError('DATA_DIR_LOCKED', `Could not lock ${dataDir}`, { dataDir });
}
