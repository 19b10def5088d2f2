/**
 * What another ollm-mcp's list_models says of a model (engines/ollm/ollm-answers.ts boxModels reads it): its
 * entry among the models, and among the loaded ones — for tests that answer a box's list from here.
 */
export const listedModel = (name: string) => ({
  name,
  sizeBytes: 1e9,
  family: 'llama',
  parameterSize: '1B',
  quantization: 'Q4_K_M',
  contextWindow: 8192,
  capabilities: ['completion'],
  loaded: true,
});

export const loadedModel = (name: string) => ({
  name,
  sizeBytes: 1e9,
  vramBytes: 0,
  expiresAt: '2026-01-01T00:00:00Z',
});
