/** Whether the process `pid` has ended (signal 0 reaches no process). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
