/**
 * create_model's parameters never take a name every JavaScript object carries (issue 72, finding
 * 7c): "__proto__" is dropped unseen once the arguments are parsed (zod's record leaves it out), so
 * a call carrying one was made as if it had none; "constructor" and "prototype" are no parameters
 * either. Each is refused before anything is sent, the error naming the key; Ollama's own names are
 * still taken, through the tool as through the core's check.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCreate, objectNameProblem } from '../../src/orchestrator/models/create-check.js';
import { createModelTool } from '../../src/tools/create-model.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const text = (res: { content: unknown }) => (res.content as Array<{ text: string }>)[0]!.text;

/** A client of a server offering create_model over a fake Ollama, and the creates the fake was sent. */
async function served() {
  const fake = await FakeOllama.start({ pullChunkDelayMs: 1 });
  const core = await coreFor(fake);
  const server = new McpServer({ name: 'ollm-test', version: '1' });
  createModelTool(server, core);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ollm-test', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  stops.push(
    () => client.close(),
    () => fake.stop(),
    () => core.shutdown(200),
  );
  return { client, creates: () => fake.requests.filter((r) => r.path === '/api/create').length };
}

describe("create_model's parameter names", () => {
  it('a "__proto__" key, as JSON carries it, is refused naming it, nothing made', async () => {
    const { client, creates } = await served();
    const args = JSON.parse(
      '{"name":"terse","from":"llama3.2","parameters":{"__proto__":{"temperature":4}}}',
    ) as Record<string, unknown>;
    const res = await client.callTool({ name: 'create_model', arguments: args });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(
      /^Nothing was made: parameters: "__proto__" cannot be a parameter's name \(every JavaScript object has a property called so\) — leave it out; the names are num_ctx, /,
    );
    expect(creates()).toBe(0);
  });

  it('"constructor" and "prototype" are refused the same way; Ollama’s own names are still taken', async () => {
    const { client, creates } = await served();
    for (const name of ['constructor', 'prototype']) {
      const res = await client.callTool({
        name: 'create_model',
        arguments: { name: 'terse', from: 'llama3.2', parameters: { temperature: 0.2, [name]: 1 } },
      });
      expect(res.isError).toBe(true);
      expect(text(res)).toContain(`Nothing was made: parameters: "${name}" cannot be a parameter's name`);
    }
    expect(creates()).toBe(0);
    const made = await client.callTool({
      name: 'create_model',
      arguments: { name: 'terse', from: 'llama3.2', parameters: { temperature: 0.2, num_ctx: 8192 } },
    });
    expect(made.isError, text(made)).toBeFalsy();
    expect(creates()).toBe(1);
  });

  it('the core’s check refuses them too, and takes the rest', () => {
    const withProto = JSON.parse('{"temperature":0.2,"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(objectNameProblem(withProto)).toMatch(/^parameters: "__proto__" cannot be a parameter's name/);
    expect(checkCreate({ name: 'terse', from: 'llama3.2', parameters: withProto })).toEqual({
      ok: false,
      error: expect.stringMatching(/^parameters: "__proto__" cannot/),
    });
    expect(checkCreate({ name: 'terse', from: 'llama3.2', parameters: { toString: 1 } })).toEqual({
      ok: false,
      error: expect.stringMatching(/^parameters: "toString" cannot/),
    });
    expect(objectNameProblem({ temperature: 0.2, stop: ['###'] })).toBeUndefined();
    expect(
      checkCreate({ name: 'terse', from: 'llama3.2', parameters: { temperature: 0.2, stop: ['###'] } }),
    ).toMatchObject({ ok: true, request: { parameters: { temperature: 0.2, stop: ['###'] } } });
  });
});
