import { writeFile } from 'node:fs/promises';
import { FileExistsError, UsageError } from '../errors.js';

/**
 * Writes `content` to a file that must not exist yet (`wx`: the existence check and the creation
 * are one system call, so nothing is overwritten even in a race), with `mode` (0600 for secrets).
 */
export async function writeNewFile(file: string, content: string, mode = 0o600): Promise<void> {
  try {
    await writeFile(file, content, { flag: 'wx', mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FileExistsError(file);
    throw new UsageError(`cannot write ${file}: ${code ?? String(err)}`, { cause: err });
  }
}
