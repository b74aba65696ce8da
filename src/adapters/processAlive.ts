// Whether a process of this host is running: signal 0 checks without sending anything (EPERM: it runs,
// as another user).
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
