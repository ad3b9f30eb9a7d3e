import type { EntityManager } from '@mikro-orm/postgresql';
import type { Calendar } from '../definitions/kinds/calendar.ts';
import type { StepSettings } from '../definitions/kinds/ticket-type.ts';
import { NotFoundError } from '../errors.ts';
import { type BusinessCalendar, compileCalendar } from './calendar.ts';
import { compileProcess, type ProcessModel } from './model.ts';

/** What running a ticket of one type under one release needs, compiled once and cached. */
export interface TicketTypeRuntime {
  release: number;
  typeKey: string;
  processKey: string;
  processVersion: number;
  model: ProcessModel;
  steps: Record<string, StepSettings>;
  /** Paths (`data.phone`) whose values audit records mask. */
  sensitive: Set<string>;
  calendars: Map<string, BusinessCalendar>;
}

interface ItemRow {
  kind: string;
  key: string;
  version: number;
  body: Record<string, unknown>;
  source: string | null;
}

const ITEMS = `select ri.kind, ri.key, ri.version, dv.body, dv.source
  from release r
  join release_item ri on ri.tenant_id = r.tenant_id and ri.release_id = r.id
  join definition_version dv on dv.tenant_id = ri.tenant_id and dv.kind = ri.kind and dv.key = ri.key and dv.version = ri.version
 where r.tenant_id = ? and r.number = ? and ((ri.kind = 'ticketType' and ri.key = ?) or ri.kind in ('calendar', 'field'))`;

const PROCESS = `select ri.version, dv.source
  from release r
  join release_item ri on ri.tenant_id = r.tenant_id and ri.release_id = r.id
  join definition_version dv on dv.tenant_id = ri.tenant_id and dv.kind = ri.kind and dv.key = ri.key and dv.version = ri.version
 where r.tenant_id = ? and r.number = ? and ri.kind = 'process' and ri.key = ?`;

interface FieldLike {
  key: string;
  type?: string;
  ref?: string;
  sensitive?: boolean;
}

/**
 * Ticket types, their processes and calendars as pinned by a release. Published
 * versions never change, so entries are cached for the life of the process; compiled
 * models are shared between releases that pin the same process version.
 */
export class ProcessCatalog {
  private readonly types = new Map<string, Promise<TicketTypeRuntime>>();
  private readonly models = new Map<string, Promise<ProcessModel>>();

  get(em: EntityManager, tenantId: string, release: number, typeKey: string): Promise<TicketTypeRuntime> {
    const key = `${tenantId}|${release}|${typeKey}`;
    let entry = this.types.get(key);
    if (!entry) {
      entry = this.load(em, tenantId, release, typeKey);
      entry.catch(() => this.types.delete(key));
      this.types.set(key, entry);
    }
    return entry;
  }

  private async load(em: EntityManager, tenantId: string, release: number, typeKey: string): Promise<TicketTypeRuntime> {
    const rows = await em.execute<ItemRow[]>(ITEMS, [tenantId, release, typeKey]);
    const type = rows.find((r) => r.kind === 'ticketType');
    if (!type) throw new NotFoundError(`release ${release} has no ticket type "${typeKey}"`, { release, ticketType: typeKey });
    const processKey = type.body.process as string;
    const [proc] = await em.execute<{ version: number; source: string }[]>(PROCESS, [tenantId, release, processKey]);
    if (!proc) throw new NotFoundError(`release ${release} has no process "${processKey}"`, { release, process: processKey });
    const modelKey = `${tenantId}|${processKey}|${proc.version}`;
    let model = this.models.get(modelKey);
    if (!model) {
      model = compileProcess(proc.source);
      this.models.set(modelKey, model);
    }
    const calendars = new Map<string, BusinessCalendar>();
    for (const r of rows) if (r.kind === 'calendar') calendars.set(r.key, compileCalendar(r.body as unknown as Calendar));
    const sensitive = new Set<string>();
    // A form may use a reusable field (`type: "ref"`): its sensitivity is the reusable field's.
    const reusable = new Map(rows.filter((r) => r.kind === 'field').map((r) => [r.key, r.body as { sensitive?: boolean }]));
    const collect = (root: string, form: unknown) => {
      for (const f of ((form as { fields?: FieldLike[] } | undefined)?.fields ?? []) as FieldLike[]) {
        if (f.sensitive || (f.type === 'ref' && f.ref && reusable.get(f.ref)?.sensitive)) sensitive.add(`${root}.${f.key}`);
      }
    };
    collect('data', type.body.form);
    collect('receipt', type.body.receiptForm);
    return {
      release,
      typeKey,
      processKey,
      processVersion: proc.version,
      model: await model,
      steps: (type.body.steps as Record<string, StepSettings> | undefined) ?? {},
      sensitive,
      calendars,
    };
  }
}
