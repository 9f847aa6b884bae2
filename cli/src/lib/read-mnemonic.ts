import { readFile } from 'node:fs/promises';
import { Mnemonic } from 'ethers';
import { InputError, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

/**
 * Reads a BIP-39 mnemonic from a file or, without one, from standard input, and checks its words
 * and checksum. The phrase is never echoed, logged or put into an error message.
 */
export async function readMnemonic(io: CliIo, file: string | undefined): Promise<Mnemonic> {
  let text: string;
  try {
    text = file === undefined ? await io.readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    const where = file ?? 'standard input';
    throw new UsageError(
      `cannot read the mnemonic from ${where}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const phrase = text.trim().split(/\s+/).join(' ').normalize('NFKD');
  if (phrase === '')
    throw new InputError('mnemonic_invalid', 'no mnemonic given', {
      hint: 'pass --mnemonic-file <file> or pipe the phrase on standard input',
    });
  try {
    return Mnemonic.fromPhrase(phrase);
  } catch {
    throw new InputError('mnemonic_invalid', 'not a valid BIP-39 mnemonic (unknown word or wrong checksum)');
  }
}
