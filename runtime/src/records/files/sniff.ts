/** Office Open XML documents are zip files; the first entry names tell which kind. */
const OFFICE: [string, string][] = [
  ['word/', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xl/', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['ppt/', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
];

const starts = (b: Buffer, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (b: Buffer, from: number, to: number) => b.subarray(from, to).toString('latin1');

/** The type the first bytes prove, for the types Docket accepts most (photos, videos, PDFs, Office files); null when unknown. */
export function sniffContentType(bytes: Buffer): string | null {
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'application/pdf';
  if (ascii(bytes, 4, 8) === 'ftyp') return ascii(bytes, 8, 10) === 'qt' ? 'video/quicktime' : 'video/mp4';
  if (starts(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    // Entry names sit in the local headers near the start; 64 KiB covers [Content_Types].xml and the first parts.
    const head = ascii(bytes, 0, Math.min(bytes.length, 65536));
    if (head.includes('[Content_Types].xml')) for (const [dir, type] of OFFICE) if (head.includes(dir)) return type;
    return 'application/zip';
  }
  return null;
}

/** Types whose content the sniffer can prove: a file declared as one of them must show it. */
const PROVABLE = /^(image\/(png|jpeg|gif|webp)|application\/pdf|video\/(mp4|quicktime)|application\/zip|application\/vnd\.openxmlformats-officedocument\.)/;

const ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'application/x-zip-compressed': 'application/zip' };

export function normaliseType(type: string): string {
  const t = type.split(';')[0]?.trim().toLowerCase() ?? '';
  return ALIASES[t] ?? t;
}

/**
 * The type to store: what the content proves, when the declared type agrees with it.
 * Returns a reason instead when the declaration and the content disagree.
 */
export function effectiveType(bytes: Buffer, declared: string): { type: string } | { reason: string } {
  const claim = normaliseType(declared || 'application/octet-stream');
  const sniffed = sniffContentType(bytes);
  const generic = claim === 'application/octet-stream' || claim === '';
  if (sniffed) {
    // An Office file is also a zip; a client that only says "zip" or nothing is not lying.
    if (generic || claim === sniffed || (claim === 'application/zip' && sniffed.includes('officedocument'))) return { type: sniffed };
    return { reason: `declared as ${claim} but the content is ${sniffed}` };
  }
  if (PROVABLE.test(claim)) return { reason: `declared as ${claim} but the content is not` };
  if (claim.startsWith('text/') && bytes.subarray(0, 4096).includes(0)) return { reason: `declared as ${claim} but the content is binary` };
  return { type: generic ? 'application/octet-stream' : claim };
}

/** Whether a type or file name matches `accept` entries such as "image/*", "application/pdf" or ".xlsx". */
export function accepted(type: string, filename: string, accept: readonly string[]): boolean {
  const name = filename.toLowerCase();
  return accept.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    if (p.startsWith('.')) return name.endsWith(p);
    if (p === '*/*' || p === '*') return true;
    if (p.endsWith('/*')) return type.startsWith(p.slice(0, -1));
    return normaliseType(p) === type;
  });
}
