// The JSON body parser. Fastify's default answers every syntax error with the same words;
// this one says where the JSON breaks (V8's message has the line and column), and still
// refuses `__proto__` and `constructor.prototype` keys as Fastify does (prototype poisoning).

import { RequestMalformedJson } from '../errors.ts';

/** An empty body is no body (undefined): a DELETE or the body-less Velero POST sent with a JSON content type is fine; a route that needs a body says so. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__') throw new RequestMalformedJson('it has a "__proto__" key (refused: prototype poisoning)');
      if (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')) {
        throw new RequestMalformedJson('it has a "constructor.prototype" key (refused: prototype poisoning)');
      }
      return value;
    });
  } catch (err) {
    if (err instanceof SyntaxError) throw new RequestMalformedJson(err.message);
    throw err;
  }
}
