import { readdirSync, readFileSync } from 'node:fs';

/**
 * The Python processes of this machine, read from /proc: the local stack's worker runs each
 * execution as a child of its sandbox's Python zygote, so a run's process shows up here.
 */
export function pythonProcesses(): Set<number> {
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/python/.test(readFileSync(`/proc/${entry}/comm`, 'utf8'))) found.add(Number(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

/** Whether `pid` is still a process that has not been reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** True when the app under test is served from this machine, so its processes are visible. */
export function stackIsLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}
