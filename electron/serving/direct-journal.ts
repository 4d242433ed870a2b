// How a runtime host tells the server of the requests it answers on direct connections without
// waking it: each request's start and end are appended to a journal file, which the server reads
// when it needs them (every JOURNAL_POLL_MS, before its metrics are read, and to its end when the
// host dies) instead of taking two messages per request. A message wakes the server, whose
// work then competes with the run for the cores (about 2% of a 5 ms run on two cores); an append
// costs the host a few microseconds. The journal moves on to a new file every ROTATE_BYTES; the
// server deletes each file it has read to the end.

import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { DirectNote } from './direct-messages.js';

export const JOURNAL_POLL_MS = 50;
const ROTATE_BYTES = 4 * 1024 * 1024;

/** The next file of a journal: `path.1`, `path.2`, … after `path`. */
const nextFile = (first: string, n: number) => `${first}.${n}`;

/**
 * The host's side: appends notes; false when a note could not be written. The caller then tells
 * the server by messages from that note on, so that a request's start and end never arrive out of
 * order through the two ways.
 */
export class JournalWriter {
  private fd: number;
  private bytes = 0;
  private files = 0;

  constructor(private readonly first: string) {
    this.fd = openSync(first, 'a');
  }

  write(note: DirectNote): boolean {
    try {
      if (this.bytes > ROTATE_BYTES) this.rotate();
      this.bytes += writeSync(this.fd, `${JSON.stringify(note)}\n`);
      return true;
    } catch {
      return false;
    }
  }

  private rotate(): void {
    const next = openSync(nextFile(this.first, ++this.files), 'a');
    // The last line of a file says that the journal goes on in the next.
    writeSync(this.fd, `${JSON.stringify({ type: 'journal-next' })}\n`);
    closeSync(this.fd);
    this.fd = next;
    this.bytes = 0;
  }
}

/** A line's note; undefined for a line that is not one (a write the host could not finish). */
function parseNote(line: string): DirectNote | { type: 'journal-next' } | undefined {
  try {
    return line ? (JSON.parse(line) as DirectNote | { type: 'journal-next' }) : undefined;
  } catch {
    return undefined;
  }
}

/** The server's side: reads the notes appended since the last read. */
export class JournalReader {
  private fd: number | undefined;
  private path: string;
  private files = 0;
  private tail = Buffer.alloc(0);
  private readonly buf = Buffer.alloc(64 * 1024);

  constructor(private readonly first: string) {
    this.path = first;
  }

  read(): DirectNote[] {
    const notes: DirectNote[] = [];
    for (;;) {
      if (this.fd === undefined) {
        try {
          this.fd = openSync(this.path, 'r');
        } catch {
          // Not created yet: the host has not started.
          return notes;
        }
      }
      const n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      if (n === 0) return notes;
      let text = Buffer.concat([this.tail, this.buf.subarray(0, n)]);
      // Whole lines only (a line can end in the next read, a character too).
      const end = text.lastIndexOf(10) + 1;
      this.tail = Buffer.from(text.subarray(end));
      text = text.subarray(0, end);
      for (const line of text.toString('utf8').split('\n')) {
        const note = parseNote(line);
        if (!note) continue;
        if (note.type !== 'journal-next') {
          notes.push(note);
          continue;
        }
        this.close();
        this.path = nextFile(this.first, ++this.files);
      }
    }
  }

  /** Stops reading and deletes the file being read. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }
}
