// bpmn-moddle ships its typings under a "./types" subpath only; this is the part Docket uses.
declare module 'bpmn-moddle' {
  export interface ModdleWarning {
    message: string;
  }
  export interface ParseResult {
    rootElement: unknown;
    warnings: ModdleWarning[];
    elementsById: Record<string, unknown>;
  }
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<ParseResult>;
  }
}
