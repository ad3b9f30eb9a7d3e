import serviceItems from '../../../../definitions/dictionaries/service-items.json' with { type: 'json' };
import ticketSources from '../../../../definitions/dictionaries/ticket-sources.json' with { type: 'json' };
import general from '../../../../definitions/ticket-types/general.json' with { type: 'json' };
import type { DictionaryItem } from '../../definitions/kinds/dictionary.ts';
import type { FieldList } from '../fields.ts';
import type { FormEnv } from '../values.ts';

/** Shared builders for the forms tests: the core general ticket type and its dictionaries. */
export const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
export const exampleMoney = (amount: string, currency = 'CNY') => ({ amount, currency });

export const GENERAL_FORM = general.form as FieldList;
export const GENERAL_RECEIPT = general.receiptForm as FieldList;

const DICTIONARIES: Record<string, DictionaryItem[]> = {
  'service-items': serviceItems.items as DictionaryItem[],
  'ticket-sources': ticketSources.items as DictionaryItem[],
};
export const ENV: FormEnv = { timeZone: 'Asia/Shanghai', now: '2026-03-01T09:00:00+08:00', dictionaries: (key) => DICTIONARIES[key] };

export const SHENZHEN = { province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 3 栋 301' };
