// The seccomp filter: a deny-list over the system calls a hostile model could use to leave the
// worker, reach the network or the server, change files or widen the kernel's attack surface.
// Everything else is allowed, because LibTorch, OpenMP and MKL use a wide and changing set.
//
//   INFIP_ASSIGN_OR_RETURN(SeccompFilter filter, SeccompFilter::Create(::getpid()));
//   INFIP_RETURN_IF_ERROR(InstallForbiddenSyscallReporter());   // forbidden_syscall.h
//   INFIP_RETURN_IF_ERROR(filter.Load());                       // every thread, for good
//
// Denied with SIGSYS (SCMP_ACT_TRAP: the call never runs; the reporter names it and exits 159):
//   new programs and processes  execve, execveat, fork, vfork, clone without CLONE_THREAD or
//                               with a CLONE_NEW* flag
//   network                     socket and socketpair of any family but AF_UNIX, connect,
//                               bind, listen, accept, accept4 (recvmsg and sendmsg stay: the
//                               worker's IPC socketpair exists before confinement)
//   writing files               open and openat with O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or
//                               O_APPEND; creat, open_by_handle_at; unlink(at), rename(at,at2),
//                               link(at), symlink(at), mkdir(at), rmdir, mknod(at), chmod family,
//                               chown family, truncate, ftruncate, fallocate, utime(s),
//                               utimensat, futimesat, the xattr setters
//   other processes             kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open
//                               unless aimed at this process's pid; pidfd_send_signal,
//                               pidfd_getfd; prlimit64 on any pid but 0 (self); ptrace,
//                               process_vm_readv/writev, kcmp
//   kernel attack surface       perf_event_open, bpf, userfaultfd, io_uring_* (it would run
//                               opens and connects the filter never sees), keyctl, add_key,
//                               request_key, personality (but the query 0xffffffff), ioctl
//                               TIOCSTI
//   mounts, namespaces, system  mount, umount2, pivot_root, chroot, setns, unshare, the new mount
//                               API (open_tree, move_mount, fs*, mount_setattr), kexec_*, module
//                               calls, reboot, swapon/off, sethostname, setdomainname, clock and
//                               time setting, acct, quotactl(_fd), iopl, ioperm, syslog,
//                               fanotify_init
//   the reporter itself         rt_sigaction installing a SIGSYS handler
// Denied quietly with an errno, because libraries probe them and fall back:
//   clone3                  ENOSYS: glibc 2.34+ (Debian 12: 2.36) then creates threads with clone
//   socket/socketpair AF_UNIX  EACCES (glibc's nscd and syslog clients try them)
//   openat2                 ENOSYS (glibc does not use it; open/openat are filtered instead)
//   syscalls newer than Linux 6.1 (x86_64 numbers 451 to 599)  ENOSYS: a deny-list cannot judge
//     calls it has never seen (fchmodat2, setxattrat, open_tree_attr, ...); nothing built for
//     Debian 12 needs them, and ENOSYS is what an older kernel would answer.
// A system call of another architecture (int 0x80, x32) kills the process outright.
//
// The filter is loaded with SECCOMP_FILTER_FLAG_TSYNC, so it covers every thread that already
// exists (LibTorch's pools) and every later one; TSYNC also gives all threads no_new_privs.
#pragma once

#include <sys/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip::confine {

class SeccompFilter {
 public:
  // Builds the filter; `self` is the pid signals may still be sent to (the worker's own).
  // INTERNAL when libseccomp refuses a rule.
  [[nodiscard]] static absl::StatusOr<SeccompFilter> Create(pid_t self);

  ~SeccompFilter();
  SeccompFilter(SeccompFilter&& other) noexcept : context_(other.context_) {
    other.context_ = nullptr;
  }
  SeccompFilter& operator=(SeccompFilter&&) = delete;
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;

  // Loads the filter into the kernel for every thread of the process. Irreversible.
  // FAILED_PRECONDITION when the kernel has no seccomp filters or a thread cannot be
  // synchronised; INTERNAL otherwise.
  [[nodiscard]] absl::Status Load();

 private:
  explicit SeccompFilter(void* context) : context_(context) {}
  void* context_;  // scmp_filter_ctx, kept out of this header
};

}  // namespace infip::confine
