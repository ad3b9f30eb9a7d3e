import { BpmnModdle } from 'bpmn-moddle';
import tk from './tk-moddle.json' with { type: 'json' };

/**
 * The one bpmn-moddle instance, with the `tk` extension, that validation and the engine's
 * compiler share: fromXML builds a fresh reader and context per call and parses
 * synchronously, and the type registry only caches descriptors, so sharing is safe.
 */
export const BPMN_MODDLE = new BpmnModdle({ tk });
