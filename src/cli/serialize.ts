// -o json and -o yaml: the API's views as they are (the API's field names), for scripts.

import { stringify } from 'yaml';

export function serialize(value: unknown, format: 'json' | 'yaml'): string {
  // aliasDuplicateObjects off: repeated values (a hook's empty warnings) are printed, never anchored.
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}
