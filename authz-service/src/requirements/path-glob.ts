/**
 * Compiles a path glob into a matcher over normalised paths: `*` matches within one segment,
 * `**` across segments; a trailing `/**` also matches the directory itself (`/premium/**`
 * covers `/premium`). Everything else is literal and case-sensitive.
 */
export function compilePathGlob(glob: string): (path: string) => boolean {
  let source = '';
  let rest = glob;
  let dirItself = false;
  if (rest.endsWith('/**')) {
    rest = rest.slice(0, -3);
    dirItself = true;
  }
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i] as string;
    if (c === '*') {
      if (rest[i + 1] === '*') {
        source += '.*';
        i++;
      } else source += '[^/]*';
    } else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}${dirItself ? '(?:/.*)?' : ''}$`);
  return (path) => regex.test(path);
}
