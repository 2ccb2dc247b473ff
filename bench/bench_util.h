// What infip's benchmark binaries share: a console reporter that also keeps each benchmark's
// mean time so that ratios can be printed side by side, and a flag taker for the binaries'
// own flags (Google Benchmark refuses flags it does not know).
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace infip::bench {

// Keeps the console output and remembers each benchmark's mean time per iteration.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration && r.iterations > 0) {
        seconds_[r.benchmark_name()] = r.real_accumulated_time / r.iterations;
      }
    }
  }
  // Mean time of `a` over mean time of `b` (full benchmark names); -1 when either is missing.
  [[nodiscard]] double Ratio(const std::string& a, const std::string& b) const {
    auto ia = seconds_.find(a), ib = seconds_.find(b);
    if (ia == seconds_.end() || ib == seconds_.end() || ib->second == 0) return -1;
    return ia->second / ib->second;
  }

 private:
  std::map<std::string, double> seconds_;
};

// Takes `--name value` or `--name=value` out of argv; false when absent.
inline bool TakeFlag(int& argc, char** argv, const std::string& name, std::string& value) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(name + "=", 0) == 0 || (arg == name && i + 1 < argc)) {
      const bool joined = arg != name;
      value = joined ? arg.substr(name.size() + 1) : argv[i + 1];
      const int drop = joined ? 1 : 2;
      for (int j = i; j + drop < argc; ++j) argv[j] = argv[j + drop];
      argc -= drop;
      return true;
    }
  }
  return false;
}

}  // namespace infip::bench
