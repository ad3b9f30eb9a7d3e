import Type from 'typebox';
import { fieldType } from '../field-type.ts';
import type { ValueIssue } from '../problems.ts';

/** A stored file as a form holds it; the bytes live in file storage under `fileId`. */
export const FileValue = Type.Object(
  {
    fileId: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    size: Type.Integer({ minimum: 0 }),
    contentType: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);
type File = { fileId: string; name: string; size: number; contentType: string };

/** `accept` entries as in HTML: `image/*`, `application/pdf`, or an extension `.dwg`. */
export function accepts(accept: string[], file: { name: string; contentType: string }): boolean {
  const type = file.contentType.toLowerCase();
  const name = file.name.toLowerCase();
  return accept.some((a) => {
    const rule = a.toLowerCase();
    if (rule.startsWith('.')) return name.endsWith(rule);
    if (rule.endsWith('/*')) return type.startsWith(rule.slice(0, -1));
    return type === rule;
  });
}

const MB = 1024 * 1024;
const file = (name: string, contentType: string, size = 1000) => ({ fileId: `f-${name}`, name, size, contentType });

export const fileTypes = {
  attachment: fieldType('attachment', {
    schema: () => Type.Array(FileValue),
    expected: { en: 'a list of files {fileId, name, size, contentType}', 'zh-CN': '文件列表 {fileId, name, size, contentType}' },
    component: 'DocketUpload',
    componentProps: (f) => ({ accept: f.accept?.join(','), maxCount: f.maxFiles, maxSizeMb: f.maxSizeMb }),
    validate: (v: File[], f) => {
      if (f.maxFiles !== undefined && v.length > f.maxFiles) return [{ code: 'FIELD_TOO_MANY', params: { limit: f.maxFiles } }];
      return v.flatMap((item, i): ValueIssue[] => {
        if (f.accept && !accepts(f.accept, item)) return [{ code: 'FIELD_FILE_TYPE', path: [i, 'contentType'], params: { contentType: item.contentType } }];
        if (f.maxSizeMb !== undefined && item.size > f.maxSizeMb * MB)
          return [{ code: 'FIELD_FILE_SIZE', path: [i, 'size'], params: { limitMb: f.maxSizeMb } }];
        return [];
      });
    },
    examples: {
      config: { accept: ['image/*', 'application/pdf', '.dwg'], maxFiles: 2, maxSizeMb: 5 },
      valid: [[file('leak.jpg', 'image/jpeg')], [file('report.pdf', 'application/pdf'), file('plan.DWG', 'application/octet-stream', 5 * MB)]],
      invalid: [
        { value: file('leak.jpg', 'image/jpeg'), code: 'FIELD_TYPE' },
        { value: [{ fileId: 'f1', name: 'leak.jpg' }], code: 'FIELD_TYPE' },
        { value: [file('a.jpg', 'image/jpeg'), file('b.jpg', 'image/jpeg'), file('c.jpg', 'image/jpeg')], code: 'FIELD_TOO_MANY' },
        { value: [file('run.exe', 'application/x-msdownload')], code: 'FIELD_FILE_TYPE' },
        { value: [file('huge.png', 'image/png', 5 * MB + 1)], code: 'FIELD_FILE_SIZE' },
      ],
    },
  }),
  signature: fieldType('signature', {
    schema: () => Type.Object({ fileId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    expected: { en: 'a signature image {fileId}', 'zh-CN': '签名图片 {fileId}' },
    component: 'DocketSignature',
    examples: {
      valid: [{ fileId: 'sig-1' }],
      invalid: [
        { value: 'sig-1', code: 'FIELD_TYPE' },
        { value: { fileId: '' }, code: 'FIELD_TYPE' },
      ],
    },
  }),
};
