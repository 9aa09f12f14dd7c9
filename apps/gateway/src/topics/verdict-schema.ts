import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { FieldError } from '../problem/problem';

/**
 * JSON Schema (draft 2020-12, Ajv) for a topic's verdict. A fresh Ajv per
 * call: Ajv keeps every schema it compiled, keyed by the object (and by its
 * `$id`, refusing a second one), so a shared instance would grow with every
 * topic and refuse two topics whose schemas share an `$id`.
 *
 * Unknown keywords are allowed, as the specification allows them; `format`
 * is an annotation only (no format is checked).
 */
function compiler(): Ajv2020 {
  return new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false });
}

/** Why `schema` is not a usable JSON Schema, as field errors under `field`; empty when it is one. */
export function schemaProblems(schema: unknown, field = 'verdictSchema'): FieldError[] {
  const ajv = compiler();
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    return [{ field, message: 'must be a JSON Schema: an object or a boolean' }];
  }
  if (!ajv.validateSchema(schema)) return toFieldErrors(ajv.errors ?? [], field);
  try {
    ajv.compile(schema);
    return [];
  } catch (err) {
    return [{ field, message: err instanceof Error ? err.message : String(err) }];
  }
}

/** Where `value` fails `schema`, as field errors under `field` (JSON Pointer paths); empty when it matches. */
export function schemaMismatches(schema: unknown, value: unknown, field = 'verdict'): FieldError[] {
  const validate: ValidateFunction = compiler().compile(schema as object | boolean);
  return validate(value) ? [] : toFieldErrors(validate.errors ?? [], field);
}

function toFieldErrors(errors: readonly ErrorObject[], field: string): FieldError[] {
  return errors.map((e) => ({
    field: `${field}${e.instancePath ? e.instancePath.replace(/\//g, '.') : ''}`,
    message: e.message ?? e.keyword,
  }));
}
