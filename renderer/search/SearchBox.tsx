import { useEffect, useId, useRef, useState } from 'react';
import type { SearchResult } from './search-index.js';

// The search box: typing searches (debounced); Enter jumps to the next match; arrow down moves
// into the results list, where each result is a button that jumps to its node.

interface Props {
  query: string;
  results: SearchResult[];
  total: number;
  onQuery(q: string): void;
  onJump(result: SearchResult): void;
}

export function SearchBox({ query, results, total, onQuery, onJump }: Props) {
  const [text, setText] = useState(query);
  const [open, setOpen] = useState(false);
  const [cursor, setCursor] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = useId();

  useEffect(() => setText(query), [query]);
  useEffect(() => {
    if (text === query) return;
    const t = setTimeout(() => onQuery(text), 120);
    return () => clearTimeout(t);
  }, [text, query, onQuery]);

  const jump = (i: number) => {
    if (!results.length) return;
    const r = results[((i % results.length) + results.length) % results.length];
    setCursor(results.indexOf(r) + 1);
    onJump(r);
  };

  return (
    <div className="search" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget as Node) && setOpen(false)}>
      <input
        ref={inputRef}
        type="search"
        aria-label="search"
        placeholder="Search nodes, ops, values"
        aria-controls={listId}
        aria-expanded={open && results.length > 0}
        value={text}
        onFocus={() => setOpen(true)}
        onChange={(e) => {
          setText(e.target.value);
          setCursor(0);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            if (text !== query) onQuery(text);
            else jump(e.shiftKey ? cursor - 2 : cursor);
          } else if (e.key === 'ArrowDown' && results.length) {
            e.preventDefault();
            listRef.current?.querySelector('button')?.focus();
          } else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {query ? <span className="search-count" aria-live="polite">{`${total} match${total === 1 ? '' : 'es'}`}</span> : null}
      <ul
        id={listId}
        ref={listRef}
        aria-label="search results"
        className={open && results.length ? 'search-results open' : 'search-results'}
        onKeyDown={(e) => {
          const buttons = [...(listRef.current?.querySelectorAll('button') ?? [])];
          const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            buttons[Math.min(buttons.length - 1, at + 1)]?.focus();
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            if (at <= 0) inputRef.current?.focus();
            else buttons[at - 1]?.focus();
          } else if (e.key === 'Escape') setOpen(false);
        }}
      >
        {results.map((r, i) => (
          <li key={`${r.key}:${i}`}>
            <button type="button" onClick={() => jump(i)}>
              <span className="result-text">{r.text}</span> <span className="result-detail">{r.kind === 'name' ? r.detail.split(' ')[0] : r.detail}</span>
            </button>
          </li>
        ))}
        {total > results.length ? <li className="muted">{`${total - results.length} more`}</li> : null}
      </ul>
    </div>
  );
}
