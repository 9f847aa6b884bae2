/**
 * Keys that occur more than once in one JSON object of `text` (any depth), as `path.key`.
 * JSON.parse keeps the last of duplicate keys silently, so a log line's raw text is scanned here
 * instead: a small tokenizer over strings, objects and arrays (numbers and literals are skipped).
 * Throws on text that is not one JSON value.
 */
export function duplicateKeys(text: string): string[] {
  let i = 0;
  const found: string[] = [];
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    if (text[i] !== '"') throw new Error(`expected a string at ${i}`);
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) throw new Error('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = str();
        if (seen.has(key)) found.push(path === '' ? key : `${path}.${key}`);
        seen.add(key);
        ws();
        if (text[i++] !== ':') throw new Error(`expected ':' at ${i - 1}`);
        value(path === '' ? key : `${path}.${key}`);
        ws();
        const next = text[i++];
        if (next === '}') return;
        if (next !== ',') throw new Error(`expected ',' or '}' at ${i - 1}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        const next = text[i++];
        if (next === ']') return;
        if (next !== ',') throw new Error(`expected ',' or ']' at ${i - 1}`);
      }
    }
    if (c === '"') {
      str();
      return;
    }
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) throw new Error(`unexpected character at ${i}`);
    i += m[0].length;
  };
  value('');
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return found;
}

/** Every line of a JSON-lines log that repeats a key, with the keys it repeats. */
export function linesWithDuplicateKeys(logText: string): Array<{ line: string; keys: string[] }> {
  return logText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => ({ line, keys: duplicateKeys(line) }))
    .filter((r) => r.keys.length > 0);
}
