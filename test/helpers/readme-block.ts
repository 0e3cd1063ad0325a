// The README's walkthroughs are run by tests as written: a ```sh block of a section, and
// the `#>` lines under its commands, which say what they print (`...` stands for anything).

import assert from 'node:assert/strict';

/** The `index`-th (from 0) ```sh block of the README section that starts with `heading`. */
export function shBlock(readme: string, heading: string, index = 0): string {
  const section = readme.indexOf(`${heading}\n`);
  assert.ok(section >= 0, `the README has a section ${heading}`);
  const end = readme.indexOf('\n## ', section + heading.length);
  let from = section;
  for (let i = 0; ; i++) {
    const open = readme.indexOf('```sh\n', from);
    assert.ok(open > section && (end < 0 || open < end), `${heading} has ${index + 1} sh blocks`);
    const close = readme.indexOf('\n```', open + 6);
    assert.ok(close > open, 'the sh block is closed');
    if (i === index) return readme.slice(open + 6, close + 1);
    from = close + 4;
  }
}

/**
 * `#> text` lines: what the README says a step prints, whole lines; `...` stands for
 * anything. Only the one space after `#>` is dropped, so indentation counts.
 */
export function expectedLines(block: string): RegExp[] {
  return block
    .split('\n')
    .filter((l) => l.startsWith('#>'))
    .map((l) => l.slice(2).replace(/^ /, '').trimEnd())
    .filter((l) => l !== '' && l !== '...')
    .map((l) => new RegExp(`^${l.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
}

/** Asserts every expected line is printed, in order (other lines may come between). */
export function assertPrintsInOrder(block: string, output: string): void {
  const lines = output.split('\n');
  let at = 0;
  for (const want of expectedLines(block)) {
    const found = lines.findIndex((l, i) => i >= at && want.test(l));
    assert.ok(found >= 0, `the README shows ${want.source}\nbut the walkthrough printed, from line ${at}:\n${lines.slice(at).join('\n')}`);
    at = found + 1;
  }
}
