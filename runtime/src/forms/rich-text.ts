import { Parser } from 'htmlparser2';

/**
 * Rich text is HTML that agents, technicians and portal customers write and that others then
 * see: before it is stored it is rebuilt from an allowlist, so markup that could run script
 * in a reader's browser never reaches the database. Shared by the server (which cleans every
 * submitted value) and the browser editor (which may show the cleaned result).
 *
 * Kept: text formatting, headings, lists, quotes, code, tables, links (http, https, mailto,
 * tel and relative) and images (http, https, relative, or inline png/jpeg/gif/webp data),
 * and a few inline style properties. Dropped with their content: script, style, iframe,
 * object, embed and similar. Any other tag is dropped but its text is kept; event-handler
 * attributes, `javascript:` URLs and unknown attributes are removed.
 */
// biome-ignore format: one allowlist, read as a list of words
const TAGS = new Set([
  'p', 'br', 'hr', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'del', 'ins', 'sub', 'sup', 'small', 'mark',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'a', 'img',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col',
]);
const VOID = new Set(['br', 'hr', 'img', 'col']);
/** Dropped together with everything inside them. */
const OPAQUE = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'noscript',
  'template',
  'textarea',
  'title',
  'svg',
  'math',
  'head',
]);
const ATTRIBUTES: Record<string, Set<string>> = {
  '*': new Set(['style', 'title', 'dir', 'lang']),
  a: new Set(['href', 'target']),
  img: new Set(['src', 'alt', 'width', 'height']),
  ol: new Set(['start']),
  td: new Set(['colspan', 'rowspan', 'align']),
  th: new Set(['colspan', 'rowspan', 'align', 'scope']),
  col: new Set(['span', 'width']),
  colgroup: new Set(['span']),
};
// biome-ignore format: one allowlist, read as a list of words
const STYLES = new Set([
  'color', 'background-color', 'text-align', 'text-decoration', 'font-weight', 'font-style', 'font-size',
  'margin-left', 'padding-left', 'width', 'height', 'vertical-align', 'border', 'border-collapse',
]);
/** Colours, lengths, keywords: no functions but rgb()/rgba()/hsl(), no url(), no expression(), no escapes. */
const STYLE_VALUE = /^(?:[#a-z0-9.%\s,-]|rgba?\(|hsla?\(|\))+$/i;
const LINK_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
const IMAGE_DATA = /^data:image\/(?:png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]+$/i;

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/** A URL's scheme as a browser reads it: control characters and whitespace do not hide it. */
function schemeOf(url: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is stripped
  const bare = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(bare);
  return m ? (m[1] as string).toLowerCase() : null;
}

function safeUrl(tag: string, url: string): boolean {
  const scheme = schemeOf(url);
  // Relative (and protocol-relative) URLs stay on http(s).
  if (scheme === null) return true;
  if (tag === 'img') return scheme === 'http' || scheme === 'https' || IMAGE_DATA.test(url.trim());
  return LINK_SCHEMES.has(scheme);
}

function safeStyle(style: string): string {
  const kept: string[] = [];
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (STYLES.has(property) && value && STYLE_VALUE.test(value)) kept.push(`${property}: ${value}`);
  }
  return kept.join('; ');
}

function attributesOf(tag: string, attributes: Record<string, string>): string {
  let out = '';
  let blank = false;
  for (const [rawName, value] of Object.entries(attributes)) {
    const name = rawName.toLowerCase();
    if (!ATTRIBUTES['*']?.has(name) && !ATTRIBUTES[tag]?.has(name)) continue;
    let kept = value;
    if (name === 'href' || name === 'src') {
      if (!safeUrl(tag, value)) continue;
    } else if (name === 'style') {
      kept = safeStyle(value);
      if (!kept) continue;
    } else if (name === 'target') {
      if (value !== '_blank') continue;
      blank = true;
    }
    out += ` ${name}="${escapeAttribute(kept)}"`;
  }
  // A link that opens a new tab must not hand the opener to the page it opens.
  if (tag === 'a' && blank) out += ' rel="noopener noreferrer"';
  return out;
}

/** The HTML with only what the allowlist keeps; text is re-escaped, tags are balanced. */
export function cleanRichText(html: string): string {
  let out = '';
  /** Depth inside dropped-with-content elements. */
  let opaque = 0;
  const open: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (OPAQUE.has(name)) {
          opaque++;
          return;
        }
        if (opaque > 0 || !TAGS.has(name)) return;
        out += `<${name}${attributesOf(name, attributes)}>`;
        if (!VOID.has(name)) open.push(name);
      },
      ontext(text) {
        if (opaque === 0) out += escapeText(text);
      },
      onclosetag(name) {
        if (OPAQUE.has(name)) {
          opaque = Math.max(0, opaque - 1);
          return;
        }
        if (opaque > 0 || VOID.has(name) || !TAGS.has(name)) return;
        const at = open.lastIndexOf(name);
        if (at < 0) return;
        while (open.length > at) out += `</${open.pop()}>`;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  while (open.length > 0) out += `</${open.pop()}>`;
  return out;
}
