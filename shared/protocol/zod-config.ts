import { z } from 'zod';

// Zod compiles object schemas with `new Function` unless told not to, and probes for it when a
// schema is built. The page's Content-Security-Policy forbids eval, so the probe alone is a
// policy violation. The protocol's objects are small (the long arrays have hand-written checks,
// fast-checks.ts), so it goes without code generation everywhere. Imported first by every
// module of the protocol that builds schemas.
z.config({ jitless: true });
