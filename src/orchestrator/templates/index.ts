export { BUILTIN_TEMPLATES, isBuiltinTemplate } from './builtin.js';
export {
  isPrototypeName,
  MAX_TEMPLATE_CHARS,
  TEMPLATE_NAME_PATTERN,
  TemplateError,
  templateNameProblem,
  validateTemplate,
  variablesOf,
  type ResolvedVariable,
  type TemplateDef,
  type TemplateVariable,
} from './definition.js';
export {
  MAX_RENDERED_CHARS,
  parseTemplate,
  placeholders,
  renderTemplate,
  RenderTooLargeError,
  resolveVariables,
  TemplateSyntaxError,
  type RenderOptions,
  type RenderResult,
  type TemplatePart,
  type TemplateSource,
  type VariableSpec,
} from './render.js';
export { TemplateStore, type SaveOptions, type SaveResult, type StoredTemplate, type TemplateListing, type TemplateProblem } from './store.js';
export { TemplateLibrary } from './library.js';
