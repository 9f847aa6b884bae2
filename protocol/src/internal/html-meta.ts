/**
 * A small HTML tokenizer that collects `<meta name=… content=…>` values from a document head.
 * It follows the HTML tokenizer closely enough that comments, raw-text elements (script, style,
 * …), quoted `>` and odd attribute syntax cannot fake or hide a tag. It stops at `</head>`, at
 * `<body>`, or at the end of the given text.
 */
const RAW_TEXT = new Set([
  'script',
  'style',
  'template',
  'textarea',
  'title',
  'noscript',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'plaintext',
]);
/** HTML whitespace: tab, LF, FF, CR, space. */
const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\f';

export function findMetaContents(html: string, names: ReadonlySet<string>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const next = html[lt + 1];
    if (html.startsWith('<!--', lt)) {
      i = endOfComment(html, lt + 4);
      continue;
    }
    if (next === '!' || next === '?') {
      i = skipPast(html, '>', lt + 2);
      continue;
    }
    if (next === '/') {
      const { name, end } = readTagName(html, lt + 2);
      if (name === '') {
        i = skipPast(html, '>', lt + 2);
        continue;
      }
      if (name === 'head' || name === 'html') break;
      i = skipAttributes(html, end).end;
      continue;
    }
    if (next === undefined || !/[A-Za-z]/.test(next)) {
      i = lt + 1;
      continue;
    }
    const { name, end } = readTagName(html, lt + 1);
    const tag = readAttributes(html, end);
    if (tag === null) break; // unterminated tag at the end of the scanned text
    if (name === 'body') break;
    if (name === 'meta') {
      const metaName = tag.attrs.get('name')?.trim().toLowerCase();
      const content = tag.attrs.get('content');
      if (metaName !== undefined && content !== undefined && names.has(metaName)) {
        const list = found.get(metaName) ?? [];
        list.push(decodeEntities(content));
        found.set(metaName, list);
      }
    }
    i = tag.end;
    if (RAW_TEXT.has(name)) {
      if (name === 'plaintext') break;
      i = endOfRawText(html, name, i);
    }
  }
  return found;
}

function endOfComment(html: string, from: number): number {
  // "<!-->" and "<!--->" are complete (empty) comments in HTML.
  if (html.startsWith('>', from)) return from + 1;
  if (html.startsWith('->', from)) return from + 2;
  const end = html.indexOf('-->', from);
  return end < 0 ? html.length : end + 3;
}

function skipPast(html: string, ch: string, from: number): number {
  const end = html.indexOf(ch, from);
  return end < 0 ? html.length : end + 1;
}

function endOfRawText(html: string, name: string, from: number): number {
  let at = from;
  for (;;) {
    const close = html.indexOf('</', at);
    if (close < 0) return html.length;
    const after = html[close + 2 + name.length];
    if (
      html.slice(close + 2, close + 2 + name.length).toLowerCase() === name &&
      (after === undefined || after === '>' || after === '/' || isSpace(after))
    ) {
      return close;
    }
    at = close + 2;
  }
}

function readTagName(html: string, from: number): { name: string; end: number } {
  let end = from;
  while (end < html.length && !isSpace(html[end]) && html[end] !== '/' && html[end] !== '>') end++;
  return { name: html.slice(from, end).toLowerCase(), end };
}

function skipAttributes(html: string, from: number): { end: number } {
  return { end: readAttributes(html, from)?.end ?? html.length };
}

/** Attributes up to the closing '>' (exclusive of nothing: `end` is just past '>'); null if unterminated. */
function readAttributes(html: string, from: number): { attrs: Map<string, string>; end: number } | null {
  const attrs = new Map<string, string>();
  let i = from;
  for (;;) {
    while (i < html.length && (isSpace(html[i]) || html[i] === '/')) i++;
    if (i >= html.length) return null;
    if (html[i] === '>') return { attrs, end: i + 1 };
    const nameStart = i;
    i++; // the first character may be '=' (HTML treats it as part of the name)
    while (i < html.length && !isSpace(html[i]) && !'/>='.includes(html[i]!)) i++;
    const name = html.slice(nameStart, i).toLowerCase();
    while (i < html.length && isSpace(html[i])) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < html.length && isSpace(html[i])) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        if (close < 0) return null;
        value = html.slice(i + 1, close);
        i = close + 1;
      } else {
        const start = i;
        while (i < html.length && !isSpace(html[i]) && html[i] !== '>') i++;
        value = html.slice(start, i);
      }
    }
    if (!attrs.has(name)) attrs.set(name, value); // the first of duplicate attributes wins
  }
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  plus: '+',
  sol: '/',
  equals: '=',
  lowbar: '_',
  num: '#',
  percnt: '%',
  colon: ':',
  semi: ';',
  comma: ',',
  period: '.',
  excl: '!',
  quest: '?',
  commat: '@',
  nbsp: '\u00a0',
  Tab: '\t',
  NewLine: '\n',
};

/** Character references in an attribute value (numeric and the common named ones). */
export function decodeEntities(value: string): string {
  return value.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return Object.hasOwn(NAMED, ref) ? NAMED[ref]! : whole;
  });
}
