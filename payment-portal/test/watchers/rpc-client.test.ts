// The JSON-RPC client's further rounds: while every endpoint fails fast, it asks again after a
// short pause (three rounds at most); a round with a timeout in it is not repeated. The failing endpoint is a fetch that
// answers with the JSON-RPC error anvil gave under load (recorded: an eth_call at `latest` while
// the next block was being mined), which a real anvil cannot be made to give on demand.
import { z } from 'zod';
import { createRpcClient, RpcError } from '../../src/watchers/evm/rpc-client.js';

const ANVIL_MID_BLOCK = {
  code: -32603,
  message: 'BlockOutOfRangeError: block height is 91 but requested was 90',
};

function endpoint(answers: Array<'error' | 'ok' | 'timeout'>): { fetch: typeof fetch; calls: () => number } {
  let n = 0;
  const fake = (async (_url: string, init?: RequestInit) => {
    const answer = answers[Math.min(n++, answers.length - 1)];
    const id = (JSON.parse(String(init?.body)) as { id: number }).id;
    if (answer === 'timeout')
      throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    const body =
      answer === 'ok'
        ? { jsonrpc: '2.0', id, result: '0x2a' }
        : { jsonrpc: '2.0', id, error: ANVIL_MID_BLOCK };
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { fetch: fake, calls: () => n };
}

const hex = z.string();

test('an error on every endpoint is asked again once, and the second answer is taken', async () => {
  const e = endpoint(['error', 'error', 'ok']);
  const client = createRpcClient({
    urls: ['http://a.invalid', 'http://b.invalid'],
    timeoutMs: 1_000,
    fetch: e.fetch,
  });
  await expect(client.call('eth_call', [], hex)).resolves.toBe('0x2a');
  expect(e.calls()).toBe(3);
});

test('three failed rounds are rpc_unavailable, naming the last error', async () => {
  const e = endpoint(['error']);
  const client = createRpcClient({ urls: ['http://a.invalid'], timeoutMs: 1_000, fetch: e.fetch });
  const failing = client.call('eth_call', [], hex);
  await expect(failing).rejects.toBeInstanceOf(RpcError);
  await expect(failing).rejects.toMatchObject({
    code: 'rpc_unavailable',
    message: expect.stringContaining('block height is 91'),
  });
  expect(e.calls()).toBe(3);
});

test('a round with a timeout is not repeated', async () => {
  const e = endpoint(['timeout', 'ok']);
  const client = createRpcClient({ urls: ['http://a.invalid'], timeoutMs: 1_000, fetch: e.fetch });
  await expect(client.call('eth_blockNumber', [], hex)).rejects.toMatchObject({ code: 'rpc_unavailable' });
  expect(e.calls()).toBe(1);
});
