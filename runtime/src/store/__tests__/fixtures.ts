/** Small valid documents for store tests. */
export const dictionary = (key: string, values: string[] = ['a', 'b']) => ({
  kind: 'dictionary',
  key,
  name: { en: key, 'zh-CN': key },
  items: values.map((v) => ({ value: v, label: { en: v } })),
});

export const processXml = (id: string, tasks: string[] = ['handle']) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_${id}" targetNamespace="http://docket.dev/test">
  <bpmn:process id="${id}" name="${id} flow" isExecutable="true">
    <bpmn:startEvent id="start"/>
${tasks.map((t) => `    <bpmn:userTask id="${t}" name="${t}"/>`).join('\n')}
    <bpmn:endEvent id="end"/>
${['start', ...tasks].map((from, i) => `    <bpmn:sequenceFlow id="f${i}" sourceRef="${from}" targetRef="${[...tasks, 'end'][i]}"/>`).join('\n')}
  </bpmn:process>
</bpmn:definitions>
`;

export const processDoc = (key: string, tasks?: string[]) => ({ kind: 'process', key, bpmn: processXml(key, tasks) });

export const ticketType = (key: string, refs: { process: string; dictionary: string; steps?: Record<string, object> }) => ({
  kind: 'ticketType',
  key,
  name: { en: key, 'zh-CN': '工单' },
  category: 'workOrder',
  process: refs.process,
  ...(refs.steps ? { steps: refs.steps } : {}),
  form: {
    fields: [
      { key: 'title', type: 'text', label: { en: 'Title' }, required: true },
      { key: 'fault', type: 'select', label: { en: 'Fault' }, dictionary: refs.dictionary },
      { key: 'onSite', type: 'switch', label: { en: 'On site' } },
      { key: 'address', type: 'address', label: { en: 'Address' }, visible: { '==': [{ var: 'data.onSite' }, true] } },
    ],
  },
});

export const ADMIN = { actor: 'tester', origin: { type: 'admin' as const } };
