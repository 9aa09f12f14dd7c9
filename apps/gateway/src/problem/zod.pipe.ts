import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { FieldError, ProblemException } from './problem';

/** Validates a request part against a zod schema into its typed value, or answers 400 with field details. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly part: 'body' | 'query' | 'path' = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new ProblemException(400, 'validation', `invalid request ${this.part}`, {
      errors: fieldErrors(parsed.error),
    });
  }
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(root)',
    message: issue.message,
  }));
}

/** The OpenAPI schema of a zod schema's input, for `@ApiBody({ schema })`. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
}
