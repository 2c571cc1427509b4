/**
 * ECS event.category / event.type for a Falco alert. Syscall alerts are process events (as Elastic's
 * Falco integration files them) plus file or network when the alert names a file or a connection;
 * the syscall name gives the type, following the same integration's grouping of syscalls.
 */

const TYPE_BY_SYSCALL: ReadonlyMap<string, string> = new Map([
  ...['execve', 'execveat'].map((s) => [s, 'start'] as const),
  ...['connect', 'accept', 'accept4', 'sendto', 'sendmsg', 'recvfrom', 'recvmsg'].map((s) => [s, 'connection'] as const),
  ...['open', 'openat', 'openat2', 'read', 'readv', 'readlink', 'readlinkat'].map((s) => [s, 'access'] as const),
  ...['creat', 'mkdir', 'mkdirat', 'link', 'linkat', 'symlink', 'symlinkat', 'memfd_create', 'mount'].map((s) => [s, 'creation'] as const),
  ...['unlink', 'unlinkat', 'rmdir', 'umount', 'umount2'].map((s) => [s, 'deletion'] as const),
  ...['rename', 'renameat', 'renameat2', 'chmod', 'fchmod', 'fchmodat', 'chown', 'fchown', 'fchownat', 'lchown',
    'setuid', 'setgid', 'setresuid', 'setresgid', 'ptrace', 'bpf', 'init_module', 'finit_module'].map((s) => [s, 'change'] as const),
  ...['exit', 'exit_group', 'kill', 'tgkill', 'tkill'].map((s) => [s, 'end'] as const),
]);

// Falcosidekick names the source `syscalls` when Falco did not send one.
const SYSCALL_SOURCES = new Set(['syscall', 'syscalls']);

export interface Categories { category?: string[]; type: string[] }

export function categorise(source: string | undefined, syscall: string | undefined, has: { file: boolean; network: boolean }): Categories {
  if (source === 'k8s_audit') return { category: ['api'], type: ['info'] };
  // Plugin sources (cloudtrail, okta, github...) and Falco's own internal alerts are not process events.
  if (source !== undefined && !SYSCALL_SOURCES.has(source)) return { type: ['info'] };
  const category = ['process'];
  if (has.file) category.push('file');
  if (has.network) category.push('network');
  return { category, type: [(syscall && TYPE_BY_SYSCALL.get(syscall)) || 'info'] };
}
