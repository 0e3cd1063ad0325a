// The JSON body parser. Fastify's default answers every syntax error with the same words;
// this one says where the JSON breaks (V8's message has the line and column), and still
// refuses `__proto__` and `constructor.prototype` keys as Fastify does (prototype poisoning).

import { RequestMalformedJson } from '../errors.ts';

/** An empty body is no body (undefined): a DELETE or the body-less Velero POST sent with a JSON content type is fine; a route that needs a body says so. */
/** No valid request nests deeper than this; deeper JSON overflowed the parser's stack (a 500). */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects, counted outside strings, stopping past the limit. */
function depthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (depthExceeds(text, MAX_JSON_DEPTH)) throw new RequestMalformedJson(`it nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
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
