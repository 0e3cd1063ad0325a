// The sim's own label-selector parser (apimachinery labels.Parse grammar), table-driven,
// and held against hookd's parser on the selectors both accept: two independent readings
// of the same grammar must select the same pods.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesLabelQuery, parseLabelQuery } from '../../../src/domain/label-query.ts';
import { labelsMatch, parseLabelSelector, SelectorSyntaxError } from '../src/label-selector.ts';

const labels = { app: 'db', tier: 'backend', 'velero.io/restore-name': 'nightly', replicas: '3', empty: '' };

describe('sim label selector: parse and match', () => {
  const cases: Array<{ selector: string; want: boolean }> = [
    { selector: '', want: true },
    { selector: 'app', want: true },
    { selector: '!app', want: false },
    { selector: '! missing', want: true },
    { selector: 'app=db', want: true },
    { selector: 'app == db', want: true },
    { selector: 'app!=db', want: false },
    { selector: 'missing!=x', want: true },
    { selector: 'app in (db, web)', want: true },
    { selector: 'app notin (db)', want: false },
    { selector: 'missing notin (db)', want: true },
    { selector: 'velero.io/restore-name=nightly,tier=backend', want: true },
    { selector: 'velero.io/restore-name=nightly,tier=frontend', want: false },
    { selector: 'empty=', want: true },
    { selector: 'empty in (,x)', want: true },
    { selector: 'empty in (x,)', want: true },
    { selector: 'replicas>2', want: true },
    { selector: 'replicas<3', want: false },
    { selector: 'app>2', want: false }, // not a number: never matches
    { selector: 'missing<9', want: false },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.selector)} -> ${c.want}`, () => assert.equal(labelsMatch(parseLabelSelector(c.selector), labels), c.want));
  }
});

describe('sim label selector: refusals', () => {
  const bad = ['app=', 'app in ()', 'app in (a', '=x', 'app=x,', ',app', 'app x', 'a/b/c=x', 'UPPER.example/x=y', 'app>x', 'app=-bad-', `app=${'v'.repeat(64)}`, `${'k'.repeat(64)}=v`];
  for (const s of bad.filter((b) => b !== 'app=')) {
    it(`${JSON.stringify(s)} is refused`, () => assert.throws(() => parseLabelSelector(s), SelectorSyntaxError));
  }
  it('"app=" is the empty value, not an error', () => assert.deepEqual(parseLabelSelector('app='), [{ key: 'app', operator: '=', values: [''] }]));
});

describe('sim label selector agrees with hookd parser', () => {
  const selectors = [
    'app',
    '!app',
    'app=db',
    'app==db',
    'app!=db',
    'app in (db,web)',
    'app notin (web)',
    'tier=backend,app=db',
    'velero.io/restore-name=nightly',
    'missing',
    'missing!=x',
    'empty=',
  ];
  const labelSets: Array<Record<string, string>> = [labels, {}, { app: 'web' }, { app: 'db' }, { 'velero.io/restore-name': 'other', tier: 'backend' }];
  for (const s of selectors) {
    it(s, () => {
      const domain = parseLabelQuery(s);
      assert.ok(domain.ok, `hookd accepts ${s}`);
      const sim = parseLabelSelector(s);
      for (const l of labelSets) assert.equal(labelsMatch(sim, l), matchesLabelQuery(domain.query, l), `${s} on ${JSON.stringify(l)}`);
    });
  }
});
