import { describe, expect, it } from '@jest/globals';
import { renderTemplate as sut, TemplateContext, templateProblem } from './payload-template';

const context: TemplateContext = {
  id: 'evt-1',
  subject: 'orders.created',
  data: { order: { id: 42, lines: [{ sku: 'a' }, { sku: 'b' }] }, note: 'rush', none: null },
  causeCommandId: null,
};

describe(sut.name, () => {
  const cases: { name: string; template: unknown; expected: unknown }[] = [
    { name: 'a whole placeholder keeps the JSON type (number)', template: '{{data.order.id}}', expected: 42 },
    {
      name: 'a whole placeholder keeps the JSON type (object)',
      template: '{{ data.order }}',
      expected: { id: 42, lines: [{ sku: 'a' }, { sku: 'b' }] },
    },
    { name: 'array index', template: '{{data.order.lines.1.sku}}', expected: 'b' },
    { name: 'the whole data', template: '{{data}}', expected: context.data },
    { name: 'event id and subject', template: ['{{id}}', '{{subject}}'], expected: ['evt-1', 'orders.created'] },
    { name: 'a missing path is null', template: '{{data.order.customer}}', expected: null },
    { name: 'a null value stays null', template: '{{data.none}}', expected: null },
    { name: 'causeCommandId without a cause', template: '{{causeCommandId}}', expected: null },
    { name: 'a path through a scalar is missing', template: '{{data.note.length}}', expected: null },
    { name: 'interpolated strings', template: 'order {{data.order.id}} ({{data.note}})', expected: 'order 42 (rush)' },
    {
      name: 'interpolated objects are JSON',
      template: 'lines={{data.order.lines}}',
      expected: 'lines=[{"sku":"a"},{"sku":"b"}]',
    },
    { name: 'interpolated missing and null are empty', template: '[{{data.x}}|{{data.none}}]', expected: '[|]' },
    {
      name: 'nested objects and arrays are walked; keys are not templated',
      template: { '{{id}}': { ids: ['{{data.order.id}}', 7, true, null] }, s: 'on {{subject}}' },
      expected: { '{{id}}': { ids: [42, 7, true, null] }, s: 'on orders.created' },
    },
    { name: 'non-string scalars pass through', template: 3.5, expected: 3.5 },
    { name: 'plain strings pass through', template: 'no placeholders', expected: 'no placeholders' },
    { name: 'a prototype key is not reachable', template: '{{data.constructor}}', expected: null },
  ];
  it.each(cases)('$name', ({ template, expected }) => {
    expect(sut(template, context)).toEqual(expected);
  });
});

describe(templateProblem.name, () => {
  const cases: { template: unknown; problem: RegExp | undefined }[] = [
    { template: null, problem: undefined },
    { template: { a: '{{data.x}}', b: ['{{ id }}', '{{subject}}-{{causeCommandId}}'] }, problem: undefined },
    { template: 'plain', problem: undefined },
    { template: '{{event.data}}', problem: /must start with one of id, subject, data, causeCommandId/ },
    { template: { deep: ['{{payload}}'] }, problem: /must start with one of/ },
    { template: '{{data..x}}', problem: /not a dotted path/ },
    { template: '{{}}', problem: /not a dotted path/ },
    { template: '{{data x}}', problem: /not a dotted path/ },
  ];
  it.each(cases)('$template → $problem', ({ template, problem }) => {
    const found = templateProblem(template);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});
