/**
 * The forms runtime: field-type catalog, json-logic rules, submission validation and
 * read projection. Browser-safe (no node: imports, no database): the web app evaluates
 * rules with these very files, so client and server agree.
 */

export type { ValueLocation } from './catalog.ts';
export {
  type CatalogType,
  cleanFieldValue,
  EXAMPLE_DICTIONARIES,
  exampleEnv,
  exampleField,
  FIELD_CATALOG,
  formilyComponent,
  isCatalogType,
  validateFieldValue,
} from './catalog.ts';
export { type ComponentDef, type ComponentSubmission, componentRowsFor } from './components.ts';
export type { FieldConfig, FieldType, FieldTypeExamples, PropsOf, ValueCheck } from './field-type.ts';
export { type FieldDefs, type FieldList, type FormField, resolveFields, resolveRef, valueFields } from './fields.ts';
export { idNumberCheckChar, idNumberDefect } from './id-number.ts';
export { MASK, maskValue } from './masking.ts';
export { FIELD_CODES, type FieldCode, type FieldProblem, type LocalizedMessage, type ValueIssue } from './problems.ts';
export { cleanRichText } from './rich-text.ts';
export {
  computeValue,
  type EvaluateOptions,
  evaluateForm,
  evaluateRule,
  type FieldState,
  type FormEvaluation,
  isEditable,
  type RolePermission,
  type RuleInput,
  type StepPermission,
} from './rules.ts';
export { type SubmissionInput, type SubmissionResult, throwIfProblems, validateSubmission } from './submission.ts';
export { DECIMAL, DEFAULT_MONEY_PRECISION, type Money, MoneyValue } from './types/numbers.ts';
export { type FormEnv, isEmpty, localDate, sameValue } from './values.ts';
export { projectComponentsForRead, projectForRead, type ReadAccess } from './visibility.ts';
