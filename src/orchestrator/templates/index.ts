export { BUILTIN_TEMPLATES } from './builtin.js';
export { isPrototypeName, TemplateError, validateTemplate, variablesOf, type TemplateDef } from './definition.js';
export {
  MAX_RENDERED_CHARS,
  parseTemplate,
  placeholders,
  renderTemplate,
  RenderTooLargeError,
  TemplateSyntaxError,
  type RenderResult,
  type VariableSpec,
} from './render.js';
export { TemplateStore, type StoredTemplate } from './store.js';
export { TemplateLibrary } from './library.js';
