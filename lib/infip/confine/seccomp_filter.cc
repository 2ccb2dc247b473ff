#include "infip/confine/seccomp_filter.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace infip::confine {
namespace {

#if defined(__x86_64__)
// The last system call of Linux 6.1 (set_mempolicy_home_node), Debian 12's kernel and headers;
// numbers above it up to kSyscallCeiling answer ENOSYS (see seccomp_filter.h).
constexpr int kLastReviewedSyscall = 450;
constexpr int kSyscallCeiling = 599;
#endif

// Arguments the kernel reads as 32-bit ints are compared on their low half only, so that
// garbage in the upper half cannot slip a match past an equality test.
constexpr scmp_datum_t kLow32 = 0xffffffffULL;

const uint32_t kTrap = SCMP_ACT_TRAP;

// SCMP_A0() and friends are C compound literals; this is the same comparison in C++.
// MASKED_EQ reads `a` as the mask and `b` as the value.
scmp_arg_cmp Arg(unsigned int arg, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  return scmp_arg_cmp{arg, op, a, b};
}

// Adds rules, remembering the first failure, so the rule list below reads as a table.
class Rules {
 public:
  explicit Rules(scmp_filter_ctx context) : context_(context) {}

  void Add(uint32_t action, int syscall, std::initializer_list<scmp_arg_cmp> args = {}) {
    if (!status_.ok()) return;
    // A negative number is a call this architecture does not have (e.g. open on aarch64).
    if (syscall < 0) return;
    const std::vector<scmp_arg_cmp> array(args);
    const int rc = seccomp_rule_add_array(context_, action, syscall,
                                          static_cast<unsigned int>(array.size()), array.data());
    if (rc != 0) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, syscall);
      status_ = absl::InternalError(absl::StrCat("seccomp_rule_add ", name != nullptr ? name : "?",
                                                 " (", syscall, "): ", std::strerror(-rc)));
      std::free(name);
    }
  }
  void Trap(std::initializer_list<int> syscalls) {
    for (const int syscall : syscalls) Add(kTrap, syscall);
  }
  [[nodiscard]] absl::Status status() const { return status_; }

 private:
  scmp_filter_ctx context_;
  absl::Status status_;
};

void AddProcessRules(Rules& rules) {
  rules.Trap({SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork)});
  // clone makes threads (CLONE_THREAD) for glibc's pthread_create; anything else is a process.
  rules.Add(kTrap, SCMP_SYS(clone), {Arg(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)});
  // Nor may a thread start in new namespaces: the kernel allows several of these flags with
  // CLONE_THREAD to a privileged caller, and a worker may run as root in its container.
  for (const scmp_datum_t flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                  CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET}) {
    rules.Add(kTrap, SCMP_SYS(clone), {Arg(0, SCMP_CMP_MASKED_EQ, flag, flag)});
  }
  // clone3 passes its flags in memory, out of a filter's reach; ENOSYS makes glibc use clone.
  rules.Add(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3));
}

void AddNetworkRules(Rules& rules) {
  for (const int syscall : {SCMP_SYS(socket), SCMP_SYS(socketpair)}) {
    rules.Add(kTrap, syscall, {Arg(0, SCMP_CMP_NE, AF_UNIX)});
    rules.Add(SCMP_ACT_ERRNO(EACCES), syscall, {Arg(0, SCMP_CMP_EQ, AF_UNIX)});
  }
  rules.Trap(
      {SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4)});
}

void AddFileRules(Rules& rules) {
  for (const scmp_datum_t flag : {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND}) {
    rules.Add(kTrap, SCMP_SYS(open), {Arg(1, SCMP_CMP_MASKED_EQ, flag, flag)});
    rules.Add(kTrap, SCMP_SYS(openat), {Arg(2, SCMP_CMP_MASKED_EQ, flag, flag)});
  }
  // openat2 passes its flags in memory, out of a filter's reach.
  rules.Add(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2));
  rules.Trap({SCMP_SYS(creat),        SCMP_SYS(open_by_handle_at),
              SCMP_SYS(unlink),       SCMP_SYS(unlinkat),
              SCMP_SYS(rename),       SCMP_SYS(renameat),
              SCMP_SYS(renameat2),    SCMP_SYS(link),
              SCMP_SYS(linkat),       SCMP_SYS(symlink),
              SCMP_SYS(symlinkat),    SCMP_SYS(mkdir),
              SCMP_SYS(mkdirat),      SCMP_SYS(rmdir),
              SCMP_SYS(mknod),        SCMP_SYS(mknodat),
              SCMP_SYS(chmod),        SCMP_SYS(fchmod),
              SCMP_SYS(fchmodat),     SCMP_SYS(chown),
              SCMP_SYS(fchown),       SCMP_SYS(lchown),
              SCMP_SYS(fchownat),     SCMP_SYS(truncate),
              SCMP_SYS(ftruncate),    SCMP_SYS(fallocate),
              SCMP_SYS(utime),        SCMP_SYS(utimes),
              SCMP_SYS(utimensat),    SCMP_SYS(futimesat),
              SCMP_SYS(setxattr),     SCMP_SYS(lsetxattr),
              SCMP_SYS(fsetxattr),    SCMP_SYS(removexattr),
              SCMP_SYS(lremovexattr), SCMP_SYS(fremovexattr)});
}

void AddOtherProcessRules(Rules& rules, pid_t self) {
  const auto pid = static_cast<scmp_datum_t>(self);
  // The first argument of each is the target process (tgid for tgkill and
  // rt_tgsigqueueinfo, the pid for the rest); tkill's is a thread id, so only the main
  // thread may be its target, which no glibc function relies on.
  for (const int syscall :
       {SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(tgkill), SCMP_SYS(rt_sigqueueinfo),
        SCMP_SYS(rt_tgsigqueueinfo), SCMP_SYS(pidfd_open)}) {
    rules.Add(kTrap, syscall, {Arg(0, SCMP_CMP_NE, pid)});
  }
  // Its target is a descriptor, which a filter cannot tell apart; the worker has no use for it.
  rules.Trap({SCMP_SYS(pidfd_send_signal), SCMP_SYS(pidfd_getfd)});
  // glibc's getrlimit/setrlimit pass 0; another pid would change someone else's limits.
  rules.Add(kTrap, SCMP_SYS(prlimit64), {Arg(0, SCMP_CMP_NE, 0)});
  rules.Trap(
      {SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(kcmp)});
}

void AddKernelSurfaceRules(Rules& rules) {
  rules.Trap({SCMP_SYS(perf_event_open), SCMP_SYS(bpf), SCMP_SYS(userfaultfd),
              SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
              SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key)});
  // Querying (0xffffffff) is harmless and done by some runtimes; setting is not needed.
  rules.Add(kTrap, SCMP_SYS(personality), {Arg(0, SCMP_CMP_NE, 0xffffffffULL)});
  // Pushing input into an inherited terminal.
  rules.Add(kTrap, SCMP_SYS(ioctl), {Arg(1, SCMP_CMP_MASKED_EQ, kLow32, TIOCSTI)});
}

void AddSystemRules(Rules& rules) {
  rules.Trap({SCMP_SYS(mount),         SCMP_SYS(umount2),       SCMP_SYS(pivot_root),
              SCMP_SYS(chroot),        SCMP_SYS(setns),         SCMP_SYS(unshare),
              SCMP_SYS(open_tree),     SCMP_SYS(move_mount),    SCMP_SYS(fsopen),
              SCMP_SYS(fsconfig),      SCMP_SYS(fsmount),       SCMP_SYS(fspick),
              SCMP_SYS(mount_setattr), SCMP_SYS(kexec_load),    SCMP_SYS(kexec_file_load),
              SCMP_SYS(init_module),   SCMP_SYS(finit_module),  SCMP_SYS(delete_module),
              SCMP_SYS(reboot),        SCMP_SYS(swapon),        SCMP_SYS(swapoff),
              SCMP_SYS(sethostname),   SCMP_SYS(setdomainname), SCMP_SYS(settimeofday),
              SCMP_SYS(clock_settime), SCMP_SYS(clock_adjtime), SCMP_SYS(adjtimex),
              SCMP_SYS(acct),          SCMP_SYS(quotactl),      SCMP_SYS(quotactl_fd),
              SCMP_SYS(iopl),          SCMP_SYS(ioperm),        SCMP_SYS(syslog),
              SCMP_SYS(fanotify_init)});
}

void AddReporterRules(Rules& rules) {
  // The reporter is installed before the filter; replacing it would hide what was refused.
  rules.Add(kTrap, SCMP_SYS(rt_sigaction),
            {Arg(0, SCMP_CMP_MASKED_EQ, kLow32, SIGSYS), Arg(1, SCMP_CMP_NE, 0)});
}

void AddUnreviewedRules(Rules& rules) {
#if defined(__x86_64__)
  for (int syscall = kLastReviewedSyscall + 1; syscall <= kSyscallCeiling; ++syscall) {
    rules.Add(SCMP_ACT_ERRNO(ENOSYS), syscall);
  }
#endif
}

absl::Status SetAttribute(scmp_filter_ctx context, scmp_filter_attr attribute, uint32_t value,
                          const char* name) {
  const int rc = seccomp_attr_set(context, attribute, value);
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("seccomp_attr_set ", name, ": ", std::strerror(-rc)));
}

}  // namespace

absl::StatusOr<SeccompFilter> SeccompFilter::Create(pid_t self) {
  scmp_filter_ctx context = seccomp_init(SCMP_ACT_ALLOW);
  if (context == nullptr) return absl::InternalError("seccomp_init failed");
  SeccompFilter filter(context);
  for (const absl::Status& status : {
           SetAttribute(context, SCMP_FLTATR_CTL_TSYNC, 1, "TSYNC"),
           SetAttribute(context, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "BADARCH"),
           // A binary tree: the many ENOSYS rules cost a few comparisons, not hundreds.
           SetAttribute(context, SCMP_FLTATR_CTL_OPTIMIZE, 2, "OPTIMIZE"),
           SetAttribute(context, SCMP_FLTATR_API_SYSRAWRC, 1, "SYSRAWRC"),
       }) {
    if (!status.ok()) return status;
  }
  Rules rules(context);
  AddProcessRules(rules);
  AddNetworkRules(rules);
  AddFileRules(rules);
  AddOtherProcessRules(rules, self);
  AddKernelSurfaceRules(rules);
  AddSystemRules(rules);
  AddReporterRules(rules);
  AddUnreviewedRules(rules);
  if (!rules.status().ok()) return rules.status();
  return filter;
}

SeccompFilter::~SeccompFilter() {
  if (context_ != nullptr) seccomp_release(static_cast<scmp_filter_ctx>(context_));
}

absl::Status SeccompFilter::Load() {
  if (context_ == nullptr) return absl::FailedPreconditionError("seccomp filter moved from");
  const int rc = seccomp_load(static_cast<scmp_filter_ctx>(context_));
  if (rc == 0) return absl::OkStatus();
  const std::string why = absl::StrCat("seccomp_load: ", std::strerror(-rc));
  // EINVAL/ENOSYS: no seccomp filters here; ESRCH/ECANCELED: a thread could not be synced.
  if (rc == -EINVAL || rc == -ENOSYS || rc == -ESRCH || rc == -ECANCELED || rc == -EACCES) {
    return absl::FailedPreconditionError(why);
  }
  return absl::InternalError(why);
}

}  // namespace infip::confine
