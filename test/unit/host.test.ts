import { describe, expect, it } from 'vitest';
import { normalizeOllamaHost } from '../../src/orchestrator/config/host.js';

describe('normalizeOllamaHost: every form users write for OLLAMA_HOST', () => {
  it.each([
    ['', 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['0.0.0.0:11434', 'http://127.0.0.1:11434'],
    ['0.0.0.0:8080', 'http://127.0.0.1:8080'],
    ['localhost', 'http://127.0.0.1:11434'],
    ['localhost:11435', 'http://127.0.0.1:11435'],
    ['127.0.0.1:11434', 'http://127.0.0.1:11434'],
    ['gpu-box', 'http://gpu-box:11434'],
    ['gpu-box:9000', 'http://gpu-box:9000'],
    [':9000', 'http://127.0.0.1:9000'],
    ['http://gpu-box:11434/', 'http://gpu-box:11434'],
    ['http://gpu-box:11434', 'http://gpu-box:11434'],
    ['HTTP://Gpu-Box:11434//', 'http://Gpu-Box:11434'],
    ['https://ollama.example.com', 'https://ollama.example.com:443'],
    ['http://ollama.example.com', 'http://ollama.example.com:80'],
    ['http://proxy.local/ollama/', 'http://proxy.local:80/ollama'],
    ['  10.0.0.5:11434  ', 'http://10.0.0.5:11434'],
    ['[::1]:11434', 'http://[::1]:11434'],
    ['[::]:11434', 'http://[::1]:11434'],
    ['::', 'http://[::1]:11434'],
    ['fe80::1', 'http://[fe80::1]:11434'],
    ['http://[fe80::1]/', 'http://[fe80::1]:80'],
  ])('%j -> %s', (input, expected) => {
    expect(normalizeOllamaHost(input)).toBe(expected);
  });

  it.each([['ftp://host'], ['host:99999'], ['host:abc'], ['my host']])('rejects %j with a reason', (input) => {
    expect(() => normalizeOllamaHost(input)).toThrow(/scheme|port|host/);
  });
});
