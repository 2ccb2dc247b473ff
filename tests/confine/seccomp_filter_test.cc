// The seccomp filter alone, in children: every denied call is tried with arguments that would
// fail harmlessly (EBADF, EFAULT, ENOENT, EINVAL) if the filter let it through, so each case
// can only pass by the filter's own answer: SIGSYS naming that call (exit 159), or the errno
// the filter returns where the kernel's own answer would differ. Then what must still work.
#include "infip/confine/seccomp_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "confine/confine_test_util.h"
#include "scratch_dir.h"

namespace infip::confine {
namespace {

using testing::Child;
using testing::ChildFailure;
using testing::ConfineWithSeccompOnly;
using testing::ExpectForbidden;

// Paths the file cases aim at, made before the child confines itself.
struct Paths {
  std::string file;     // exists, 0600
  std::string dir;      // exists, empty
  std::string missing;  // does not exist
};

struct DeniedCase {
  const char* name;
  int syscall;  // expected in the SIGSYS report; 0 when an errno is expected instead
  int error;    // the errno the filter answers with, when syscall is 0
  std::function<long(const Paths&)> attempt;
};

void PrintTo(const DeniedCase& denied, std::ostream* os) { *os << denied.name; }

std::vector<DeniedCase> DeniedCases() {
  const char* argv[] = {"true", nullptr};
  return {
      // New programs and processes.
      {"execve", __NR_execve, 0,
       [](const Paths&) { return ::syscall(SYS_execve, "/bin/true", nullptr, nullptr); }},
      {"execveat", __NR_execveat, 0,
       [argv](const Paths&) {
         return ::syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, nullptr, 0);
       }},
      {"fork", __NR_clone, 0,
       [](const Paths&) {
         const pid_t pid = ::fork();
         if (pid == 0) ::_exit(0);
         return long{pid};
       }},
      {"vfork", __NR_vfork, 0,
       [](const Paths&) {
         const pid_t pid = ::vfork();
         if (pid == 0) ::_exit(0);
         return long{pid};
       }},
      {"clone_process", __NR_clone, 0,
       [](const Paths&) { return ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }},
      {"clone_thread_in_new_namespace", __NR_clone, 0,
       [](const Paths&) {
         return ::syscall(SYS_clone, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWUSER, 0, 0,
                          0, 0);
       }},
      {"clone3", 0, ENOSYS, [](const Paths&) { return ::syscall(SYS_clone3, nullptr, 0); }},
      // Network.
      {"socket_inet", __NR_socket, 0,
       [](const Paths&) { return long{::socket(AF_INET, SOCK_STREAM, 0)}; }},
      {"socket_inet6", __NR_socket, 0,
       [](const Paths&) { return long{::socket(AF_INET6, SOCK_DGRAM, 0)}; }},
      {"socket_netlink", __NR_socket, 0,
       [](const Paths&) { return long{::socket(AF_NETLINK, SOCK_RAW, 0)}; }},
      {"socket_unix", 0, EACCES,
       [](const Paths&) { return long{::socket(AF_UNIX, SOCK_STREAM, 0)}; }},
      {"socketpair_unix", 0, EACCES,
       [](const Paths&) {
         int sv[2];
         return long{::socketpair(AF_UNIX, SOCK_STREAM, 0, sv)};
       }},
      {"socketpair_inet", __NR_socketpair, 0,
       [](const Paths&) {
         int sv[2];
         return long{::socketpair(AF_INET, SOCK_STREAM, 0, sv)};
       }},
      {"connect", __NR_connect, 0, [](const Paths&) { return long{::connect(-1, nullptr, 0)}; }},
      {"bind", __NR_bind, 0, [](const Paths&) { return long{::bind(-1, nullptr, 0)}; }},
      {"listen", __NR_listen, 0, [](const Paths&) { return long{::listen(-1, 1)}; }},
      {"accept", __NR_accept, 0,
       [](const Paths&) { return ::syscall(SYS_accept, -1, nullptr, nullptr); }},
      {"accept4", __NR_accept4, 0,
       [](const Paths&) { return long{::accept4(-1, nullptr, nullptr, 0)}; }},
      // Other processes.
      {"ptrace_parent", __NR_ptrace, 0,
       [](const Paths&) { return ::syscall(SYS_ptrace, 16 /*PTRACE_ATTACH*/, ::getppid(), 0, 0); }},
      {"process_vm_readv", __NR_process_vm_readv, 0,
       [](const Paths&) {
         return long{::process_vm_readv(::getppid(), nullptr, 0, nullptr, 0, 0)};
       }},
      {"process_vm_writev", __NR_process_vm_writev, 0,
       [](const Paths&) {
         return long{::process_vm_writev(::getppid(), nullptr, 0, nullptr, 0, 0)};
       }},
      {"kcmp", __NR_kcmp, 0,
       [](const Paths&) { return ::syscall(SYS_kcmp, ::getpid(), ::getppid(), 0, 0, 0); }},
      {"kill_parent", __NR_kill, 0, [](const Paths&) { return long{::kill(::getppid(), 0)}; }},
      {"kill_process_group", __NR_kill, 0, [](const Paths&) { return long{::kill(0, 0)}; }},
      {"kill_everyone", __NR_kill, 0, [](const Paths&) { return long{::kill(-1, 0)}; }},
      {"tkill_parent", __NR_tkill, 0,
       [](const Paths&) { return ::syscall(SYS_tkill, ::getppid(), 0); }},
      {"tgkill_parent", __NR_tgkill, 0,
       [](const Paths&) { return ::syscall(SYS_tgkill, ::getppid(), ::getppid(), 0); }},
      {"rt_sigqueueinfo_parent", __NR_rt_sigqueueinfo, 0,
       [](const Paths&) { return ::syscall(SYS_rt_sigqueueinfo, ::getppid(), 0, nullptr); }},
      {"rt_tgsigqueueinfo_parent", __NR_rt_tgsigqueueinfo, 0,
       [](const Paths&) {
         return ::syscall(SYS_rt_tgsigqueueinfo, ::getppid(), ::getppid(), 0, nullptr);
       }},
      {"pidfd_open_parent", __NR_pidfd_open, 0,
       [](const Paths&) { return ::syscall(SYS_pidfd_open, ::getppid(), 0); }},
      {"pidfd_send_signal", __NR_pidfd_send_signal, 0,
       [](const Paths&) { return ::syscall(SYS_pidfd_send_signal, -1, 0, nullptr, 0); }},
      {"pidfd_getfd", __NR_pidfd_getfd, 0,
       [](const Paths&) { return ::syscall(SYS_pidfd_getfd, -1, 0, 0); }},
      {"prlimit_parent", __NR_prlimit64, 0,
       [](const Paths&) {
         rlimit l{};
         return long{::prlimit(::getppid(), RLIMIT_NOFILE, nullptr, &l)};
       }},
      // Kernel attack surface.
      {"perf_event_open", __NR_perf_event_open, 0,
       [](const Paths&) { return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }},
      {"bpf", __NR_bpf, 0, [](const Paths&) { return ::syscall(SYS_bpf, -1, nullptr, 0); }},
      {"userfaultfd", __NR_userfaultfd, 0,
       [](const Paths&) { return ::syscall(SYS_userfaultfd, -1); }},
      {"io_uring_setup", __NR_io_uring_setup, 0,
       [](const Paths&) { return ::syscall(SYS_io_uring_setup, 0, nullptr); }},
      {"keyctl", __NR_keyctl, 0,
       [](const Paths&) { return ::syscall(SYS_keyctl, 9999, 0, 0, 0, 0); }},
      {"add_key", __NR_add_key, 0,
       [](const Paths&) { return ::syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0); }},
      {"request_key", __NR_request_key, 0,
       [](const Paths&) { return ::syscall(SYS_request_key, nullptr, nullptr, nullptr, 0); }},
      {"personality_set", __NR_personality, 0,
       [](const Paths&) { return long{::personality(PER_LINUX32)}; }},
      {"ioctl_tiocsti", __NR_ioctl, 0,
       [](const Paths&) {
         char c = 'x';
         return long{::ioctl(-1, TIOCSTI, &c)};
       }},
      // Mounts, namespaces, the system.
      {"mount", __NR_mount, 0,
       [](const Paths&) { return ::syscall(SYS_mount, nullptr, nullptr, nullptr, 0, nullptr); }},
      {"umount2", __NR_umount2, 0,
       [](const Paths& p) { return ::syscall(SYS_umount2, p.missing.c_str(), 0); }},
      {"pivot_root", __NR_pivot_root, 0,
       [](const Paths&) { return ::syscall(SYS_pivot_root, nullptr, nullptr); }},
      {"chroot", __NR_chroot, 0,
       [](const Paths& p) { return ::syscall(SYS_chroot, p.missing.c_str()); }},
      {"setns", __NR_setns, 0, [](const Paths&) { return ::syscall(SYS_setns, -1, 0); }},
      {"unshare", __NR_unshare, 0, [](const Paths&) { return ::syscall(SYS_unshare, 0); }},
      {"open_tree", __NR_open_tree, 0,
       [](const Paths&) { return ::syscall(SYS_open_tree, -1, nullptr, 0); }},
      {"fsopen", __NR_fsopen, 0, [](const Paths&) { return ::syscall(SYS_fsopen, nullptr, 0); }},
      {"mount_setattr", __NR_mount_setattr, 0,
       [](const Paths&) { return ::syscall(SYS_mount_setattr, -1, nullptr, 0, nullptr, 0); }},
      {"kexec_load", __NR_kexec_load, 0,
       [](const Paths&) { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0xdead0000UL); }},
      {"init_module", __NR_init_module, 0,
       [](const Paths&) { return ::syscall(SYS_init_module, nullptr, 0, nullptr); }},
      {"finit_module", __NR_finit_module, 0,
       [](const Paths&) { return ::syscall(SYS_finit_module, -1, nullptr, 0); }},
      {"delete_module", __NR_delete_module, 0,
       [](const Paths&) { return ::syscall(SYS_delete_module, nullptr, 0); }},
      {"reboot", __NR_reboot, 0,
       [](const Paths&) { return ::syscall(SYS_reboot, 0, 0, 0, nullptr); }},
      {"sethostname", __NR_sethostname, 0,
       [](const Paths&) { return ::syscall(SYS_sethostname, nullptr, -1L); }},
      {"clock_settime", __NR_clock_settime, 0,
       [](const Paths&) { return ::syscall(SYS_clock_settime, -1, nullptr); }},
      // Writing files: opens with a writing flag, and every call that changes a file.
      {"open_wronly", __NR_openat, 0,
       [](const Paths& p) { return long{::open(p.file.c_str(), O_WRONLY)}; }},
      {"open_rdwr", __NR_openat, 0,
       [](const Paths& p) { return long{::open(p.file.c_str(), O_RDWR)}; }},
      {"open_creat", __NR_openat, 0,
       [](const Paths& p) { return long{::open(p.missing.c_str(), O_RDONLY | O_CREAT, 0600)}; }},
      {"open_trunc", __NR_openat, 0,
       [](const Paths& p) { return long{::open(p.file.c_str(), O_RDONLY | O_TRUNC)}; }},
      {"open_append", __NR_openat, 0,
       [](const Paths& p) { return long{::open(p.file.c_str(), O_RDONLY | O_APPEND)}; }},
      {"open_tmpfile", __NR_openat, 0,
       [](const Paths& p) { return long{::open(p.dir.c_str(), O_TMPFILE | O_WRONLY, 0600)}; }},
      {"raw_open_rdwr", __NR_open, 0,
       [](const Paths& p) { return ::syscall(SYS_open, p.file.c_str(), O_RDWR, 0); }},
      {"creat", __NR_creat, 0,
       [](const Paths& p) { return ::syscall(SYS_creat, p.missing.c_str(), 0600); }},
      {"openat2", 0, ENOSYS,
       [](const Paths& p) { return ::syscall(SYS_openat2, AT_FDCWD, p.file.c_str(), nullptr, 0); }},
      {"open_by_handle_at", __NR_open_by_handle_at, 0,
       [](const Paths&) { return ::syscall(SYS_open_by_handle_at, -1, nullptr, 0); }},
      {"unlink", __NR_unlink, 0,
       [](const Paths& p) { return ::syscall(SYS_unlink, p.missing.c_str()); }},
      {"unlinkat", __NR_unlinkat, 0,
       [](const Paths& p) { return long{::unlinkat(AT_FDCWD, p.missing.c_str(), 0)}; }},
      {"rename", __NR_rename, 0,
       [](const Paths& p) { return ::syscall(SYS_rename, p.missing.c_str(), p.missing.c_str()); }},
      {"renameat", __NR_renameat, 0,
       [](const Paths& p) {
         return ::syscall(SYS_renameat, AT_FDCWD, p.missing.c_str(), AT_FDCWD, p.missing.c_str());
       }},
      {"renameat2", __NR_renameat2, 0,
       [](const Paths& p) {
         return ::syscall(SYS_renameat2, AT_FDCWD, p.missing.c_str(), AT_FDCWD, p.missing.c_str(),
                          0);
       }},
      {"link", __NR_link, 0,
       [](const Paths& p) { return ::syscall(SYS_link, p.missing.c_str(), p.missing.c_str()); }},
      {"linkat", __NR_linkat, 0,
       [](const Paths& p) {
         return long{::linkat(AT_FDCWD, p.missing.c_str(), AT_FDCWD, p.missing.c_str(), 0)};
       }},
      {"symlink", __NR_symlink, 0,
       [](const Paths& p) { return ::syscall(SYS_symlink, p.file.c_str(), p.file.c_str()); }},
      {"symlinkat", __NR_symlinkat, 0,
       [](const Paths& p) { return long{::symlinkat(p.file.c_str(), AT_FDCWD, p.file.c_str())}; }},
      {"mkdir", __NR_mkdir, 0,
       [](const Paths& p) { return ::syscall(SYS_mkdir, p.dir.c_str(), 0700); }},
      {"mkdirat", __NR_mkdirat, 0,
       [](const Paths& p) { return long{::mkdirat(AT_FDCWD, p.dir.c_str(), 0700)}; }},
      {"rmdir", __NR_rmdir, 0,
       [](const Paths& p) { return ::syscall(SYS_rmdir, p.missing.c_str()); }},
      {"mknod", __NR_mknod, 0,
       [](const Paths& p) { return ::syscall(SYS_mknod, p.file.c_str(), S_IFIFO | 0600, 0); }},
      {"mknodat", __NR_mknodat, 0,
       [](const Paths& p) { return long{::mknodat(AT_FDCWD, p.file.c_str(), S_IFIFO | 0600, 0)}; }},
      {"chmod", __NR_chmod, 0,
       [](const Paths& p) { return ::syscall(SYS_chmod, p.missing.c_str(), 0777); }},
      {"fchmod", __NR_fchmod, 0, [](const Paths&) { return long{::fchmod(-1, 0777)}; }},
      {"fchmodat", __NR_fchmodat, 0,
       [](const Paths& p) { return ::syscall(SYS_fchmodat, AT_FDCWD, p.missing.c_str(), 0777); }},
      {"chown", __NR_chown, 0,
       [](const Paths& p) { return ::syscall(SYS_chown, p.missing.c_str(), 0, 0); }},
      {"fchown", __NR_fchown, 0, [](const Paths&) { return long{::fchown(-1, 0, 0)}; }},
      {"lchown", __NR_lchown, 0,
       [](const Paths& p) { return ::syscall(SYS_lchown, p.missing.c_str(), 0, 0); }},
      {"fchownat", __NR_fchownat, 0,
       [](const Paths& p) { return long{::fchownat(AT_FDCWD, p.missing.c_str(), 0, 0, 0)}; }},
      {"truncate", __NR_truncate, 0,
       [](const Paths& p) { return long{::truncate(p.missing.c_str(), 0)}; }},
      {"ftruncate", __NR_ftruncate, 0, [](const Paths&) { return long{::ftruncate(-1, 0)}; }},
      {"fallocate", __NR_fallocate, 0, [](const Paths&) { return long{::fallocate(-1, 0, 0, 1)}; }},
      {"utime", __NR_utime, 0,
       [](const Paths& p) { return ::syscall(SYS_utime, p.missing.c_str(), nullptr); }},
      {"utimes", __NR_utimes, 0,
       [](const Paths& p) { return ::syscall(SYS_utimes, p.missing.c_str(), nullptr); }},
      {"utimensat", __NR_utimensat, 0,
       [](const Paths& p) { return long{::utimensat(AT_FDCWD, p.missing.c_str(), nullptr, 0)}; }},
      {"futimesat", __NR_futimesat, 0,
       [](const Paths& p) {
         return ::syscall(SYS_futimesat, AT_FDCWD, p.missing.c_str(), nullptr);
       }},
      {"setxattr", __NR_setxattr, 0,
       [](const Paths& p) {
         return ::syscall(SYS_setxattr, p.missing.c_str(), "user.x", "", 0, 0);
       }},
      {"fremovexattr", __NR_fremovexattr, 0,
       [](const Paths&) { return ::syscall(SYS_fremovexattr, -1, "user.x"); }},
      // The reporter, and calls newer than the filter.
      {"replace_sigsys_handler", __NR_rt_sigaction, 0,
       [](const Paths&) {
         struct sigaction a {};
         a.sa_handler = SIG_DFL;
         return long{::sigaction(SIGSYS, &a, nullptr)};
       }},
      {"fchmodat2_newer_than_the_filter", 0, ENOSYS,
       [](const Paths& p) { return ::syscall(452, AT_FDCWD, p.missing.c_str(), 0, 0); }},
      {"cachestat_newer_than_the_filter", 0, ENOSYS,
       [](const Paths&) { return ::syscall(451, -1, nullptr, nullptr, 0); }},
  };
}

class SeccompDeniedTest : public ::testing::TestWithParam<DeniedCase> {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_SECCOMP();
    paths_.file = scratch_ / "file";
    std::ofstream(paths_.file) << "data";
    paths_.dir = scratch_.MakeDir("dir");
    paths_.missing = scratch_ / "missing";
  }
  infip::testing::ScratchDir scratch_;
  Paths paths_;
};

TEST_P(SeccompDeniedTest, IsDenied) {
  const DeniedCase& denied = GetParam();
  const Paths paths = paths_;
  const ChildOutcome outcome = Child([&denied, &paths] {
    CHILD_ASSERT_OK(ConfineWithSeccompOnly());
    errno = 0;
    const long result = denied.attempt(paths);
    const int error = errno;
    if (denied.syscall == 0 && result == -1 && error == denied.error) return 0;
    return ChildFailure(absl::StrCat(denied.name, " returned ", result), __LINE__, error);
  });
  if (denied.syscall != 0) {
    ExpectForbidden(outcome, denied.syscall);
    EXPECT_EQ(outcome.Describe(), absl::StrCat("SIGSYS: forbidden syscall ", denied.syscall, " (",
                                               SyscallName(denied.syscall), ")"));
  } else {
    EXPECT_CHILD_OK(outcome);
  }
}

INSTANTIATE_TEST_SUITE_P(Calls, SeccompDeniedTest, ::testing::ValuesIn(DeniedCases()),
                         [](const ::testing::TestParamInfo<DeniedCase>& info) {
                           return std::string(info.param.name);
                         });

// What the worker (glibc, LibTorch, OpenMP) still needs, all in one confined child.
TEST(SeccompFilter, AllowsWhatTheWorkerNeeds) {
  SKIP_WITHOUT_SECCOMP();
  infip::testing::ScratchDir scratch;
  const std::string file = scratch / "model.pt";
  std::ofstream(file) << "weights";
  const ChildOutcome outcome = Child([&file] {
    CHILD_ASSERT_OK(ConfineWithSeccompOnly());
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    CHILD_ASSERT(fd >= 0);
    char buffer[8];
    CHILD_ASSERT(::read(fd, buffer, sizeof buffer) == 7);
    CHILD_ASSERT(::kill(::getpid(), 0) == 0);
    CHILD_ASSERT(::syscall(SYS_tgkill, ::getpid(), ::gettid(), 0) == 0);
    const long own_pidfd = ::syscall(SYS_pidfd_open, ::getpid(), 0);
    CHILD_ASSERT(own_pidfd >= 0);
    rlimit files{};
    CHILD_ASSERT(::getrlimit(RLIMIT_NOFILE, &files) == 0);
    CHILD_ASSERT(::personality(0xffffffff) >= 0);
    struct sigaction current {};
    CHILD_ASSERT(::sigaction(SIGSYS, nullptr, &current) == 0);
    struct sigaction usr1 {};
    usr1.sa_handler = [](int) {};
    CHILD_ASSERT(::sigaction(SIGUSR1, &usr1, nullptr) == 0);
    CHILD_ASSERT(::raise(SIGUSR1) == 0);
    void* memory =
        ::mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHILD_ASSERT(memory != MAP_FAILED && ::munmap(memory, 1 << 20) == 0);
    CHILD_ASSERT(::memfd_create("scratch", MFD_CLOEXEC) >= 0);
    // pthread_create: glibc tries clone3, gets ENOSYS, and falls back to clone(CLONE_THREAD).
    pthread_t thread;
    std::atomic<bool> ran{false};
    CHILD_ASSERT(::pthread_create(
                     &thread, nullptr,
                     [](void* arg) -> void* {
                       static_cast<std::atomic<bool>*>(arg)->store(true);
                       return nullptr;
                     },
                     &ran) == 0);
    CHILD_ASSERT(::pthread_join(thread, nullptr) == 0 && ran.load());
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

// TSYNC: a thread that exists before the filter is loaded is under it afterwards.
TEST(SeccompFilter, CoversThreadsStartedBeforeItWasLoaded) {
  SKIP_WITHOUT_SECCOMP();
  const ChildOutcome outcome = Child([] {
    static std::atomic<bool> go{false};
    pthread_t thread;
    CHILD_ASSERT(::pthread_create(
                     &thread, nullptr,
                     [](void*) -> void* {
                       while (!go.load()) ::usleep(1000);
                       ::syscall(SYS_execve, "/bin/true", nullptr, nullptr);
                       return nullptr;
                     },
                     nullptr) == 0);
    CHILD_ASSERT_OK(ConfineWithSeccompOnly());
    go.store(true);
    ::pthread_join(thread, nullptr);
    return ChildFailure("the earlier thread's execve was not trapped", __LINE__);
  });
  ExpectForbidden(outcome, __NR_execve);
}

}  // namespace
}  // namespace infip::confine
