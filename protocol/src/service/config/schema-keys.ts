import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** @internal The schemas reached by following `path` through objects, records, arrays and wrappers. */
function schemasAt(schema: z.ZodType, path: readonly string[]): z.ZodType[] {
  let current: z.ZodType[] = [schema];
  for (let i = 0; i <= path.length; i++) {
    const expanded: z.ZodType[] = [];
    const queue = [...current];
    while (queue.length > 0) {
      const s = queue.pop() as z.ZodType;
      const def = defOf(s);
      if (def.innerType) queue.push(def.innerType);
      else if (def.type === 'pipe' && def.in) queue.push(def.in);
      else if (def.type === 'union' && def.options) queue.push(...def.options);
      else expanded.push(s);
    }
    if (i === path.length) return expanded;
    const segment = path[i] as string;
    current = [];
    for (const s of expanded) {
      const def = defOf(s);
      if (def.type === 'object' && def.shape) {
        const child = def.shape[segment];
        if (child) current.push(child);
      } else if (def.type === 'record' && def.valueType) current.push(def.valueType);
      else if (def.type === 'array' && def.element) current.push(def.element);
    }
  }
  return current;
}

/** @internal The object keys the schema declares at `path` (used to spell env overrides). */
export function schemaKeysAt(schema: z.ZodType, path: readonly string[]): string[] {
  const keys: string[] = [];
  for (const s of schemasAt(schema, path)) {
    const def = defOf(s);
    if (def.type === 'object' && def.shape) keys.push(...Object.keys(def.shape));
  }
  return keys;
}
