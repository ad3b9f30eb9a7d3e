import type { Directory } from '@docket/runtime/process/context.ts';
import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * The engine's Directory over app_user.manager_id. The engine asks synchronously, so the
 * managers of every tenant (user ids are uuids, unique across tenants) are held in memory.
 * Staleness: a change made through this server's users API is seen at once (refresh after
 * commit); a change made by another server node is seen within `refreshMs` (60 s by default).
 */
export class ManagerDirectory implements Directory {
  private managers = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly orm: MikroORM;
  constructor(orm: MikroORM) {
    this.orm = orm;
  }

  managerOf(user: string): string | undefined {
    return this.managers.get(user);
  }

  async refresh(): Promise<void> {
    const rows = await this.orm.em
      .fork()
      .execute<{ id: string; manager_id: string }[]>(`select id, manager_id from app_user where manager_id is not null and status = 'active'`);
    this.managers = new Map(rows.map((r) => [r.id, r.manager_id]));
  }

  /** Loads once, then refreshes every `refreshMs` until stop(). */
  async start(refreshMs = 60_000, onError: (e: unknown) => void = () => undefined): Promise<this> {
    await this.refresh();
    this.timer = setInterval(() => this.refresh().catch(onError), refreshMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
