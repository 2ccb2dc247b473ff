// CloseDescriptorsExcept, both ways (close_range and the /proc/self/fd loop), in a child: the
// kept descriptors stay usable, every other one is EBADF.
#include "infip/confine/descriptors.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "confine/confine_test_util.h"

namespace infip::confine {
namespace {

using testing::Child;

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

class CloseDescriptorsTest : public ::testing::TestWithParam<CloseMethod> {};

TEST_P(CloseDescriptorsTest, KeepsOnlyTheListedDescriptors) {
  const CloseMethod method = GetParam();
  const ChildOutcome outcome = Child([method] {
    const int a = ::open("/dev/null", O_RDONLY);
    const int b = ::open("/dev/null", O_RDONLY);
    const int c = ::open("/dev/null", O_RDONLY);
    // A high number, past any gap a naive loop up to the first hole would stop at.
    const int high = ::fcntl(a, F_DUPFD, 900);
    CHILD_ASSERT(a >= 0 && b >= 0 && c >= 0 && high >= 900);
    // Unsorted and with a repeat, as callers may pass them.
    CHILD_ASSERT(CloseDescriptorsExcept({high, 2, b, 2}, method).ok());
    CHILD_ASSERT(IsOpen(2));
    CHILD_ASSERT(IsOpen(b));
    CHILD_ASSERT(IsOpen(high));
    CHILD_ASSERT(!IsOpen(a) && errno == EBADF);
    CHILD_ASSERT(!IsOpen(c) && errno == EBADF);
    CHILD_ASSERT(!IsOpen(0) && !IsOpen(1));  // stdin/stdout are not kept implicitly
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

INSTANTIATE_TEST_SUITE_P(BothMethods, CloseDescriptorsTest,
                         ::testing::Values(CloseMethod::kCloseRange, CloseMethod::kLoop),
                         [](const ::testing::TestParamInfo<CloseMethod>& info) {
                           return info.param == CloseMethod::kCloseRange ? "CloseRange" : "Loop";
                         });

TEST(CloseDescriptorsExcept, NegativeDescriptorIsInvalidAndClosesNothing) {
  const ChildOutcome outcome = Child([] {
    const int fd = ::open("/dev/null", O_RDONLY);
    const absl::Status status = CloseDescriptorsExcept({2, -1});
    CHILD_ASSERT(status.code() == absl::StatusCode::kInvalidArgument);
    CHILD_ASSERT(IsOpen(fd));
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST(UniqueFd, ClosesWhenItGoesAndMoves) {
  const int raw = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(raw, 0);
  {
    UniqueFd first(raw);
    UniqueFd second(std::move(first));
    EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): the moved-from state
    EXPECT_EQ(second.get(), raw);
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

}  // namespace
}  // namespace infip::confine
