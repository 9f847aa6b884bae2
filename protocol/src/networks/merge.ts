import type { z } from 'zod';
import type { Network } from './types.js';
import { networkSchema } from './schemas.js';
import { X402_V1_EVM_CHAIN_IDS, x402V1NameOfChain } from './x402-v1-names.js';

export interface MergeIssue {
  path: PropertyKey[];
  message: string;
}

type Loose = Record<string, unknown>;

/** Merges config overrides over the built-ins and validates each resulting network in full. */
export function mergeNetworkOverrides(
  base: Readonly<Record<string, Network>>,
  overrides: Readonly<Record<string, object | null>>,
): { networks: Record<string, Network>; issues: MergeIssue[] } {
  const networks: Record<string, Network> = { ...base };
  const issues: MergeIssue[] = [];
  // Removals first, so a network written next to them may take a removed built-in's chain id.
  for (const [name, override] of Object.entries(overrides)) if (override === null) delete networks[name];
  for (const [name, override] of Object.entries(overrides)) {
    if (override === null) continue;
    const merged = mergeOne(name, base[name], override as Loose);
    const parsed = networkSchema.safeParse(merged);
    if (!parsed.success) {
      for (const i of flattenIssues(parsed.error))
        issues.push({ path: [name, ...i.path], message: i.message });
      continue;
    }
    const network = parsed.data as Network;
    const v1Issue = network.kind === 'evm' ? x402V1NameIssue(network.x402V1Name, network.chainId) : undefined;
    if (v1Issue !== undefined) {
      issues.push({ path: [name, 'x402V1Name'], message: v1Issue });
      continue;
    }
    networks[name] = network;
  }
  issues.push(...uniquenessIssues(networks, new Set(Object.keys(overrides))));
  return { networks, issues };
}

function mergeOne(name: string, base: Network | undefined, override: Loose): Loose {
  const kind = (override['kind'] ?? base?.kind) as string | undefined;
  const defaults: Loose =
    kind === 'solana'
      ? { nativeSymbol: 'SOL', nativeDecimals: 9, tokens: {}, testnet: false }
      : { nativeDecimals: 18, tokens: {}, testnet: false };
  const merged: Loose = { ...defaults, ...(base as Loose | undefined), ...defined(override), name };
  if (
    kind === 'evm' &&
    override['caip2'] === undefined &&
    Number.isSafeInteger(merged['chainId']) &&
    (merged['chainId'] as number) > 0
  ) {
    merged['caip2'] = `eip155:${merged['chainId']}`;
  }
  // A local or custom EVM network on a chain x402 v1 clients can sign for gets that chain's v1 name;
  // a built-in moved to another chain loses the name it inherited (v1 clients sign by name).
  if (override['chainId'] !== undefined && override['x402V1Name'] === undefined) delete merged['x402V1Name'];
  if (kind === 'evm' && merged['x402V1Name'] === undefined && typeof merged['chainId'] === 'number') {
    const v1Name = x402V1NameOfChain(merged['chainId']);
    if (v1Name !== undefined) merged['x402V1Name'] = v1Name;
  }
  const tokenKind = kind === 'solana' ? 'spl' : 'erc20';
  const tokens: Loose = { ...((base?.tokens ?? {}) as Loose) };
  for (const [symbol, t] of Object.entries((override['tokens'] ?? {}) as Record<string, Loose>)) {
    const prev = (tokens[symbol] ?? {}) as Loose;
    const next: Loose = { kind: tokenKind, symbol, ...prev, ...defined(t) };
    if (t['eip712'] !== undefined || prev['eip712'] !== undefined) {
      next['eip712'] = { ...(prev['eip712'] as Loose | undefined), ...defined(t['eip712'] as Loose) };
    }
    tokens[symbol] = next;
  }
  merged['tokens'] = tokens;
  return merged;
}

/** A known v1 name on another chain: v1 clients would sign for the wrong chain and every payment revert. */
function x402V1NameIssue(v1Name: string | undefined, chainId: number): string | undefined {
  if (v1Name === undefined) return undefined;
  const signsFor = X402_V1_EVM_CHAIN_IDS[v1Name];
  if (signsFor === undefined || signsFor === chainId) return undefined;
  return `x402 v1 clients sign for chain ${signsFor} under "${v1Name}", not for this network's chain ${chainId}`;
}

function defined(o: Loose | undefined): Loose {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));
}

function flattenIssues(error: z.ZodError): { path: PropertyKey[]; message: string }[] {
  return error.issues.map((issue) => ({ path: [...issue.path], message: issue.message }));
}

function uniquenessIssues(networks: Record<string, Network>, overridden: ReadonlySet<string>): MergeIssue[] {
  const issues: MergeIssue[] = [];
  const seen = new Map<string, string>();
  // Built-ins first, so a clash is reported on the entry the operator wrote.
  const ordered = Object.values(networks).sort(
    (a, b) => Number(overridden.has(a.name)) - Number(overridden.has(b.name)),
  );
  for (const n of ordered) {
    const keys: [string, PropertyKey][] = [[`caip2:${n.caip2}`, 'caip2']];
    if (n.x402V1Name !== undefined) keys.push([`x402:${n.x402V1Name}`, 'x402V1Name']);
    for (const [key, field] of keys) {
      const other = seen.get(key);
      if (other !== undefined) {
        issues.push({ path: [n.name, field], message: `same ${String(field)} as network "${other}"` });
      } else {
        seen.set(key, n.name);
      }
    }
  }
  return issues;
}
