import type { Crumb } from '../state/app-state.js';

// Where in the model the view is: the main graph, then each If/Loop/Scan body entered.

export function Breadcrumb({ crumbs, onGo }: { crumbs: Crumb[]; onGo(depth: number): void }) {
  return (
    <nav aria-label="breadcrumb" className="breadcrumb">
      <ol>
        {crumbs.map((c, i) => (
          <li key={i}>
            {i === crumbs.length - 1 ? (
              <span aria-current="page">{c.label}</span>
            ) : (
              <button type="button" className="link" onClick={() => onGo(i)}>
                {c.label}
              </button>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
