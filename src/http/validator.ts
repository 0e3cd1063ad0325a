// Fastify's validator for hookd's TypeBox schemas: bodies are checked as sent; querystring,
// params and headers are strings, converted to the schema's scalar types before the check,
// but only from their canonical spelling. TypeBox's own conversion takes whatever Number()
// and its boolean rules take ("1.5" became 1, "0x3" 3, " 1" 1, "" 0, "TRUE" and "1" true), so
// a limit of 1.5 or a dryRun of "False" was answered as if the caller had meant something.

import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

const CANONICAL: Readonly<Record<string, RegExp>> = {
  integer: /^-?(0|[1-9]\d{0,15})$/,
  number: /^-?(0|[1-9]\d{0,15})(\.\d{1,16})?$/,
  boolean: /^(true|false)$/,
};

/** The scalar type a flat schema declares for `key`, when it declares one. */
function scalarType(schema: unknown, key: string): string | null {
  if (schema === null || typeof schema !== 'object') return null;
  const properties = (schema as { properties?: Record<string, unknown> }).properties;
  const type = (properties?.[key] as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' && type in CANONICAL ? type : null;
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  return (value: unknown) => {
    let converted = value;
    if (httpPart !== 'body') {
      // Convert may change the object it is given: the strings as sent are kept apart.
      const sent = value !== null && typeof value === 'object' ? Object.entries(value) : [];
      converted = Value.Convert(schema, value);
      // A value not spelled canonically stays the string it was: the check then says so.
      if (converted !== null && typeof converted === 'object') {
        for (const [key, raw] of sent) {
          const type = scalarType(schema, key);
          if (type !== null && typeof raw === 'string' && !(CANONICAL[type]?.test(raw) ?? true)) (converted as Record<string, unknown>)[key] = raw;
        }
      }
    }
    if (check.Check(converted)) return { value: converted };
    const errors: FastifySchemaValidationError[] = [...check.Errors(converted)];
    return { error: errors };
  };
};
