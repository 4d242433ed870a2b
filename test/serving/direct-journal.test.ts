// A host's journal of direct requests: what the host appends, the server reads once, in order,
// across reads that end mid-line and across the journal's move to a new file; files read to the
// end are deleted.

import { appendFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalReader, JournalWriter } from '../../electron/serving/direct-journal.js';
import type { DirectNote } from '../../electron/serving/direct-messages.js';

const start = (conn: number, requestId: string): DirectNote => ({ type: 'direct-start', conn, requestId, model: 'mödel', path: '/v2/models/mödel/infer', at: 1 });

describe('direct journal', () => {
  it('gives each note once, in order, and nothing before the host has written', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'host.jsonl');
    const reader = new JournalReader(path);
    expect(reader.read()).toEqual([]);
    const writer = new JournalWriter(path);
    expect(writer.write(start(1, 'a'))).toBe(true);
    expect(writer.write(start(2, 'b'))).toBe(true);
    expect(reader.read()).toEqual([start(1, 'a'), start(2, 'b')]);
    expect(reader.read()).toEqual([]);
    writer.write(start(3, 'c'));
    expect(reader.read()).toEqual([start(3, 'c')]);
    reader.close();
    expect(existsSync(path)).toBe(false);
  });

  it('keeps a line that is not whole yet (a character split across reads too) for the next read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'host.jsonl');
    const reader = new JournalReader(path);
    const line = Buffer.from(`${JSON.stringify(start(1, 'ü'))}\n`);
    const cut = line.indexOf(Buffer.from('ü')) + 1;
    appendFileSync(path, line.subarray(0, cut));
    expect(reader.read()).toEqual([]);
    appendFileSync(path, line.subarray(cut));
    expect(reader.read()).toEqual([start(1, 'ü')]);
  });

  it('skips a line the host could not finish writing and reads on', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'host.jsonl');
    const reader = new JournalReader(path);
    appendFileSync(path, `${JSON.stringify(start(1, 'a')).slice(0, 20)}\n${JSON.stringify(start(2, 'b'))}\n`);
    expect(reader.read()).toEqual([start(2, 'b')]);
  });

  it('follows the journal into its next file and deletes each file read to the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const path = join(dir, 'host.jsonl');
    const writer = new JournalWriter(path);
    const reader = new JournalReader(path);
    // Past the 4 MiB at which the writer moves on, read in pieces.
    const n = 40_000;
    const got: DirectNote[] = [];
    for (let i = 0; i < n; i++) {
      writer.write(start(i, `request-${i}`));
      if (i % 5000 === 0) got.push(...reader.read());
    }
    got.push(...reader.read());
    expect(got.map((g) => g.conn)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(readdirSync(dir)).toEqual(['host.jsonl.1']);
  });
});
