#include "infip/confine/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "infip/confine/landlock_threads.h"

namespace infip::confine {
namespace {

// Kernel ABI constants newer than Debian 12's linux-libc-dev 6.1 (include/uapi/linux/landlock.h
// of later kernels); they are only passed to a kernel that reported the ABI that has them.
constexpr uint64_t kAccessFsTruncate = uint64_t{1} << 14;  // ABI 3
constexpr uint64_t kAccessFsIoctlDev = uint64_t{1} << 15;  // ABI 5
constexpr uint64_t kAccessNetBindTcp = uint64_t{1} << 0;   // ABI 4
constexpr uint64_t kAccessNetConnectTcp = uint64_t{1} << 1;
constexpr uint32_t kRestrictSelfTsync = uint32_t{1} << 3;  // ABI 8

// struct landlock_ruleset_attr as of ABI 4; the size passed tells the kernel which fields
// are there, so older kernels get only handled_access_fs.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
};

constexpr uint64_t kReadBeneath =
    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE;
// Rights a rule on a file (not a directory) may carry; READ_DIR there is EINVAL.
constexpr uint64_t kFileRights = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE;

uint64_t HandledFs(int abi) {
  uint64_t rights = (uint64_t{1} << 13) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) rights |= kAccessFsTruncate;
  if (abi >= 5) rights |= kAccessFsIoctlDev;
  return rights;
}

long CreateRuleset(const RulesetAttr* attr, size_t size, uint32_t flags) {
  return ::syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

LandlockSupport ProbeLandlock() {
  const long abi = CreateRuleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi > 0) return {static_cast<int>(abi), ""};
  switch (errno) {
    case ENOSYS:
      return {0, "ENOSYS: this kernel has no Landlock"};
    case EOPNOTSUPP:
      return {0, "EOPNOTSUPP: Landlock is built in but disabled at boot (lsm=)"};
    default:
      return {0, absl::StrCat(strerrorname_np(errno), ": landlock_create_ruleset refused (",
                              std::strerror(errno), ")")};
  }
}

absl::StatusOr<LandlockRuleset> LandlockRuleset::Create(
    int abi, const std::vector<std::string>& readable_paths) {
  if (abi < 1) return absl::InvalidArgumentError(absl::StrCat("Landlock ABI ", abi));
  for (const std::string& path : readable_paths) {
    if (path.empty() || path.front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("readable path \"", path, "\" is not absolute"));
    }
  }
  RulesetAttr attr{HandledFs(abi), abi >= 4 ? kAccessNetBindTcp | kAccessNetConnectTcp : 0};
  const size_t attr_size = abi >= 4 ? sizeof(RulesetAttr) : sizeof(uint64_t);
  UniqueFd ruleset(static_cast<int>(CreateRuleset(&attr, attr_size, 0)));
  if (!ruleset.valid()) return Errno("landlock_create_ruleset");

  for (const std::string& path : readable_paths) {
    UniqueFd beneath(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (!beneath.valid()) {
      if (errno == ENOENT) {
        return absl::NotFoundError(absl::StrCat("readable path ", path, " does not exist"));
      }
      return Errno(absl::StrCat("open ", path));
    }
    struct stat st {};
    if (::fstat(beneath.get(), &st) != 0) return Errno(absl::StrCat("fstat ", path));
    landlock_path_beneath_attr rule{};
    rule.allowed_access = S_ISDIR(st.st_mode) ? kReadBeneath : kFileRights;
    rule.parent_fd = beneath.get();
    if (::syscall(SYS_landlock_add_rule, ruleset.get(), LANDLOCK_RULE_PATH_BENEATH, &rule, 0) !=
        0) {
      return Errno(absl::StrCat("landlock_add_rule ", path));
    }
  }

  UniqueFd task_dir;
  if (abi < 8) {
    task_dir = UniqueFd(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!task_dir.valid()) return Errno("open /proc/self/task");
  }
  return LandlockRuleset(abi, std::move(ruleset), std::move(task_dir), readable_paths.size());
}

std::vector<int> LandlockRuleset::descriptors() const {
  std::vector<int> fds;
  if (ruleset_.valid()) fds.push_back(ruleset_.get());
  if (task_dir_.valid()) fds.push_back(task_dir_.get());
  return fds;
}

absl::StatusOr<std::string> LandlockRuleset::RestrictAllThreads() && {
  std::string note = absl::StrCat("read-only beneath ", path_count_, " paths");
  if (abi_ >= 4) absl::StrAppend(&note, "; TCP bind and connect denied");
  if (abi_ >= 8) {
    // The kernel restricts every thread atomically and gives them no_new_privs too.
    if (::syscall(SYS_landlock_restrict_self, ruleset_.get(), kRestrictSelfTsync) != 0) {
      return Errno("landlock_restrict_self(TSYNC)");
    }
    absl::StrAppend(&note, "; every thread (TSYNC)");
  } else {
    absl::StatusOr<int> others = RestrictOtherThreads(task_dir_.get(), ruleset_.get());
    if (!others.ok()) return others.status();
    // Last: from here on this thread may no longer be able to list /proc/self/task.
    if (::syscall(SYS_landlock_restrict_self, ruleset_.get(), 0) != 0) {
      return Errno("landlock_restrict_self");
    }
    absl::StrAppend(&note, "; ", *others, " other threads restricted by signal");
  }
  ruleset_.Reset();
  task_dir_.Reset();
  return note;
}

}  // namespace infip::confine
