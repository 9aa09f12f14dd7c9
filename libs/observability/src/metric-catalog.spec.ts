import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import '@switchyard/messaging/batch-consumer';
import { register } from 'prom-client';
import './metric-catalog';

/**
 * docs/operations.md lists every Switchyard metric between two markers; this
 * spec keeps that table and the registry the same, and keeps metrics from
 * being declared outside the catalog unnoticed.
 */

const DOC = resolve('docs/operations.md');
const START = '<!-- metrics:start -->';
const END = '<!-- metrics:end -->';

interface Row {
  name: string;
  type: string;
  labels: string;
}

function registered(): Row[] {
  return register
    .getMetricsAsArray()
    .filter((m) => m.name.startsWith('switchyard_'))
    .map((m) => {
      const labels = ((m as unknown as { labelNames?: string[] }).labelNames ?? []).slice().sort();
      return { name: m.name, type: String(m.type), labels: labels.length ? labels.join(', ') : '—' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function documented(): Row[] {
  const text = readFileSync(DOC, 'utf8');
  const table = text.slice(text.indexOf(START) + START.length, text.indexOf(END));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name, type, labels] = line
        .split('|')
        .slice(1, 4)
        .map((c) => c.trim());
      return { name: name.replace(/`/g, ''), type, labels: labels.replace(/`/g, '') };
    });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('metric catalog', () => {
  it('docs/operations.md has one row per metric, with its type and labels, in name order', () => {
    const expected = registered();
    expect(expected.length).toBeGreaterThan(30);
    // On failure, the expected rows are what the table needs (meaning column aside).
    expect(documented()).toEqual(expected);
  });

  it('every metric has help text', () => {
    for (const m of register.getMetricsAsArray()) {
      expect((m as unknown as { help: string }).help.length).toBeGreaterThan(10);
    }
  });

  it('every switchyard_* name in the source is a registered metric (none declared outside the catalog)', () => {
    const names = new Set(registered().map((r) => r.name));
    const found = ['apps', 'libs'].flatMap((root) =>
      sourceFiles(resolve(root)).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/['"`](switchyard_[a-z_]+)['"`]/g)].map((m) => m[1]),
      ),
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((n) => !names.has(n))).toEqual([]);
  });
});
