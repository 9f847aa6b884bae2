import { z } from 'zod';

/** Schemas for the JSON-RPC results the EVM watcher reads; anything else is rejected. */
export const hexQuantity = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,64}$/)
  .transform((s) => BigInt(s));
export const hash32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase());
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((s) => s.toLowerCase());

export const blockNumberSchema = hexQuantity;

const txSchema = z.object({
  hash: hash32,
  from: address,
  to: address.nullable(),
  value: hexQuantity,
});

export const blockSchema = z.object({
  number: hexQuantity,
  hash: hash32,
  parentHash: hash32,
  timestamp: hexQuantity,
  transactions: z.array(z.union([hash32, txSchema])),
});
export type RpcBlock = z.output<typeof blockSchema>;
export type RpcTx = z.output<typeof txSchema>;

export const nullableBlockSchema = blockSchema.nullable();

export const logSchema = z.object({
  address,
  topics: z.array(hash32),
  data: z.string().regex(/^0x[0-9a-fA-F]*$/),
  blockNumber: hexQuantity,
  blockHash: hash32,
  transactionHash: hash32,
  logIndex: hexQuantity,
  removed: z.boolean().optional(),
});
export type RpcLog = z.output<typeof logSchema>;
export const logsSchema = z.array(logSchema);

export const receiptSchema = z
  .object({ status: z.string().regex(/^0x[01]$/), blockHash: hash32, blockNumber: hexQuantity })
  .nullable();

/** keccak256("Transfer(address,address,uint256)") */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** A 20-byte address as a 32-byte topic. */
export function addressTopic(addr: string): string {
  return `0x${'0'.repeat(24)}${addr.slice(2).toLowerCase()}`;
}

/** The address in a 32-byte topic. */
export function topicAddress(topic: string): string {
  return `0x${topic.slice(26).toLowerCase()}`;
}
