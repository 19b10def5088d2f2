/**
 * Whether a process of this user has this pid: signal 0 reaches it. Another user's process (EPERM)
 * is not one of this user's servers, so it counts as none; 0 and negative pids (signal 0 would
 * reach a whole group) are none.
 */
export function ownProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
