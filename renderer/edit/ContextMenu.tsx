import { useEffect } from 'react';
import { useStore } from '../state/use-store.js';
import type { EditActions } from './edit-actions.js';
import type { EditStore } from './edit-state.js';

// The graph's context menu: the operations that apply to the node under the pointer (it is
// selected first), each previewed on click with the options its dry run used.

export function ContextMenu({ store, actions }: { store: EditStore; actions: EditActions }) {
  const menu = useStore(store, (s) => s.menu);
  useEffect(() => {
    if (!menu) return;
    const close = (e: KeyboardEvent | PointerEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !(e.target as HTMLElement).closest?.('.context-menu')) actions.closeMenu();
    };
    window.addEventListener('keydown', close);
    window.addEventListener('pointerdown', close);
    return () => {
      window.removeEventListener('keydown', close);
      window.removeEventListener('pointerdown', close);
    };
  }, [menu, actions]);
  if (!menu) return null;
  // Kept inside the window (a keyboard-opened menu starts at a box that may sit near an edge).
  const left = Math.max(0, Math.min(menu.x, window.innerWidth - 240));
  const top = Math.max(0, Math.min(menu.y, window.innerHeight - 260));
  return (
    <div className="context-menu" role="menu" aria-label="node operations" style={{ left, top }}>
      {menu.operations === null ? <div className="menu-note">Finding what applies…</div> : null}
      {menu.operations?.length === 0 ? <div className="menu-note">Nothing applies to this node.</div> : null}
      {menu.operations?.map((op) => (
        <button
          key={op.name}
          type="button"
          role="menuitem"
          title={op.description}
          onClick={() => void actions.preview(op, op.options ?? {}, [menu.nodeId])}
          disabled={op.options === null}
        >
          {op.name === 'delete-node' ? 'Delete node' : op.name}
          <span className="op-count">{op.group}</span>
        </button>
      ))}
    </div>
  );
}
