// HealthMonitor: NOT_SERVING until the device works and the store answers, then following the
// store, and NOT_SERVING for good once drained.
#include "server/health_monitor.h"

#include <atomic>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

namespace infip::server {
namespace {

class Recorder {
 public:
  void operator()(bool serving) {
    std::lock_guard<std::mutex> lock(mu_);
    reports_.push_back(serving);
  }
  std::vector<bool> reports() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }

 private:
  std::mutex mu_;
  std::vector<bool> reports_;
};

// Generous: these bound a hang, they do not measure anything.
constexpr absl::Duration kPatience = absl::Seconds(30);

TEST(HealthMonitorTest, ServingOnlyOnceDeviceAndStoreAreReady) {
  Recorder recorder;
  std::atomic<int> device_tries{0};
  std::atomic<bool> store_up{false};
  HealthMonitor::Checks checks;
  checks.device = [&]() -> absl::Status {
    // The device needs two tries (a GPU still initialising).
    return ++device_tries < 2 ? absl::UnavailableError("not yet") : absl::OkStatus();
  };
  checks.store = [&]() -> absl::Status {
    return store_up ? absl::OkStatus() : absl::UnavailableError("store down");
  };
  HealthMonitor monitor([&](bool s) { recorder(s); }, checks, absl::Milliseconds(10));
  monitor.Start();
  while (device_tries < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(monitor.serving());
  store_up = true;
  ASSERT_TRUE(monitor.WaitUntilServing(kPatience));
  // The store goes away and comes back.
  store_up = false;
  while (monitor.serving()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  store_up = true;
  ASSERT_TRUE(monitor.WaitUntilServing(kPatience));
  EXPECT_EQ(device_tries, 2) << "a working device is not checked again";

  monitor.Drain();
  EXPECT_FALSE(monitor.serving());
  monitor.Drain();  // idempotent
  EXPECT_EQ(recorder.reports(), (std::vector<bool>{false, true, false, true, false}));
}

TEST(HealthMonitorTest, DrainBeforeEverServingReportsNothingMore) {
  Recorder recorder;
  HealthMonitor::Checks checks;
  checks.device = [] { return absl::UnavailableError("no GPU"); };
  checks.store = [] { return absl::OkStatus(); };
  {
    HealthMonitor monitor([&](bool s) { recorder(s); }, checks, absl::Milliseconds(10));
    monitor.Start();
    EXPECT_FALSE(monitor.WaitUntilServing(absl::Milliseconds(50)));
  }  // the destructor drains
  EXPECT_EQ(recorder.reports(), (std::vector<bool>{false}));
}

}  // namespace
}  // namespace infip::server
