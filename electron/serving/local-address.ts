// Whether a URL's host is this machine: the load test sends traffic only there unless the
// user says otherwise (it could otherwise flood someone else's server).

import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

const isLoopback = (a: string) => /^127\./.test(a) || a === '::1' || a === '::ffff:127.0.0.1';

/** True when every address the host name resolves to is loopback or one of this machine's. */
export async function isLocalHost(hostname: string): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return false;
  }
  const own = ownAddresses();
  return addresses.length > 0 && addresses.every((a) => isLoopback(a) || own.has(a));
}
