// The evaluation end to end, as CI runs it: the smoke zoo (tools/zoo/zoo.py --smoke, built into
// the build tree and cached there by the zoo's own hashing), then the infip-evaluate binary on
// it with few keys. Checks the pipeline and the invariants of its output, not the figures.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>

#include "scratch_dir.h"
#include "test_env.h"

namespace infip::evaluate {
namespace {

using infip::testing::ScratchDir;
using nlohmann::json;

struct Ran {
  int exit_code = -1;
  std::string output;
};

Ran RunCommand(const std::string& command) {
  Ran r;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return r;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Evaluate() { return infip::testing::EnvOr("INFIP_EVALUATE", INFIP_EVALUATE_BIN); }

// Builds (or finds cached) the smoke zoo; its manifest path.
std::string SmokeZoo() {
  const std::string dir = infip::testing::EnvOr("INFIP_ZOO_SMOKE", INFIP_ZOO_SMOKE_DIR);
  const Ran zoo = RunCommand(infip::testing::SystemPython() + " " + infip::testing::SourceDir() +
                             "/tools/zoo/zoo.py --smoke --cache " + dir);
  EXPECT_EQ(zoo.exit_code, 0) << zoo.output;
  return dir + "/manifest.json";
}

bool Finite(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// Every separation-style object: rates in [0, 1], AUC in [0, 1], or null when undefined.
void ExpectRates(const json& s, const std::string& what) {
  for (const char* key :
       {"auc", "tpr_at_fpr", "fpr_at_fpr", "tpr_at_threshold", "fpr_at_threshold"}) {
    const json& v = s.at(key);
    if (v.is_null()) continue;
    EXPECT_GE(v.get<double>(), 0.0) << what << " " << key;
    EXPECT_LE(v.get<double>(), 1.0) << what << " " << key;
  }
}

TEST(EvaluatePipeline, SmokeZooEndToEnd) {
  const std::string manifest_path = SmokeZoo();
  ASSERT_TRUE(std::filesystem::exists(manifest_path));
  const json manifest = json::parse(ReadText(manifest_path));

  ScratchDir work;
  const std::string args = " --manifest " + manifest_path + " --out " + work / "results.json" +
                           " --report " + work / "results.md" + " --figures " + work / "figures" +
                           " --cache " + work / "cache" +
                           " --pool 64 --keys 24 --key-counts 8,24,32,40 --lambdas 1000,5000"
                           " --bootstrap 200 --grid-keys 2";
  const Ran first = RunCommand(Evaluate() + args);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const json r = json::parse(ReadText(work / "results.json"));

  // The settings as given; the key-count sweep keeps what fits in a half of the 64 keys.
  EXPECT_EQ(r.at("smoke"), true);
  EXPECT_EQ(r.at("keys").at("pool"), 64);
  EXPECT_EQ(r.at("keys").at("key_counts"), json({8, 24, 32}));
  EXPECT_EQ(r.at("keys").at("key_counts_skipped"), json({40}));
  const json& splits = r.at("keys").at("splits");
  EXPECT_EQ(splits[0].at("first"), 0);
  EXPECT_EQ(splits[1].at("first"), 32);  // disjoint halves
  const std::vector<std::string> composites = r.at("settings").at("composites");
  ASSERT_GE(composites.size(), 2u);
  EXPECT_EQ(composites[0], "dtd");

  // Every manifest entry has a headline result per composite and split (a baseline one per
  // input-only map), each ASSIM a valid mean SSIM with its interval and spread around it.
  std::map<std::string, int> seen;
  for (const json& s : r.at("results")) {
    seen[s.at("model").get<std::string>()]++;
    const std::string what = s.at("model").get<std::string>() + "/" +
                             s.at("composite").get<std::string>() + "/" +
                             s.at("split").get<std::string>();
    EXPECT_EQ(s.at("keys"), 24) << what;
    ASSERT_TRUE(Finite(s.at("assim"))) << what;
    const double assim = s.at("assim");
    EXPECT_GE(assim, -1.0) << what;
    EXPECT_LE(assim, 1.0) << what;
    EXPECT_LE(s.at("ci_low").get<double>(), assim + 1e-12) << what;
    EXPECT_GE(s.at("ci_high").get<double>(), assim - 1e-12) << what;
    EXPECT_LE(s.at("min_ssim").get<double>(), s.at("median_ssim").get<double>()) << what;
    EXPECT_LE(s.at("median_ssim").get<double>(), 1.0 + 1e-12) << what;
    EXPECT_GE(s.at("blank_fraction").get<double>(), 0.0) << what;
    EXPECT_LE(s.at("blank_fraction").get<double>(), 1.0) << what;
    const std::string role = s.at("role");
    if (role == "original") {
      // Extracted twice, independently: identical fingerprints.
      EXPECT_DOUBLE_EQ(assim, 1.0) << what;
      EXPECT_DOUBLE_EQ(s.at("prediction_agreement").get<double>(), 1.0) << what;
    }
    const std::string attack = s.at("attack");
    if (attack == "permute" || attack == "rescale") {
      // Function-preserving rewrites of the original: the same fingerprints up to rounding.
      EXPECT_GE(assim, 0.98) << what;
      EXPECT_DOUBLE_EQ(s.at("prediction_agreement").get<double>(), 1.0) << what;
    }
    if (role == "baseline") {
      EXPECT_TRUE(s.at("prediction_agreement").is_null()) << what;
    }
  }
  const int per_model = static_cast<int>(composites.size()) * 2;
  for (const json& m : manifest.at("models")) {
    const std::string name = m.at("name");
    if (m.at("role") == "baseline") {
      EXPECT_EQ(seen[name + ":input-gradient-magnitude"], per_model) << name;
      EXPECT_EQ(seen[name + ":input-key-image"], per_model) << name;
    } else {
      EXPECT_EQ(seen[name], per_model) << name;
    }
  }

  // The sweeps agree with the headline where they meet (lambda 5000 resolution, N = 24).
  std::map<std::string, double> headline;
  for (const json& s : r.at("results")) {
    if (s.at("split") == "report") {
      headline[s.at("model").get<std::string>() + "/" + s.at("composite").get<std::string>()] =
          s.at("assim");
    }
  }
  int met = 0;
  for (const json& s : r.at("sweeps").at("lambda")) {
    if (s.at("lambda") == 5000 && s.at("lambda_scaling") == "resolution" &&
        s.at("split") == "report") {
      EXPECT_NEAR(s.at("assim").get<double>(),
                  headline.at(s.at("model").get<std::string>() + "/" +
                              s.at("composite").get<std::string>()),
                  1e-12);
      ++met;
    }
  }
  for (const json& s : r.at("sweeps").at("keys")) {
    if (s.at("keys") == 24) {
      EXPECT_NEAR(s.at("assim").get<double>(),
                  headline.at(s.at("model").get<std::string>() + "/" +
                              s.at("composite").get<std::string>()),
                  1e-12);
      ++met;
    }
  }
  EXPECT_EQ(met, 2 * static_cast<int>(headline.size()));

  for (const json& s : r.at("separation")) ExpectRates(s, s.dump());
  ASSERT_TRUE(r.at("tuning").at("chosen").is_object());
  ExpectRates(r.at("tuning").at("report"), "tuning.report");
  // Every lambda (2) and scaling (2) of each composite not left out for blank fingerprints.
  const size_t excluded = r.at("tuning").at("excluded_composites").size();
  EXPECT_LT(excluded, composites.size());  // dtd's fingerprints are never blank here
  EXPECT_EQ(r.at("tuning").at("candidates").size(), (composites.size() - excluded) * 2 * 2);

  // The report says what it is, and its figures are real PNGs.
  const std::string report = ReadText(work / "results.md");
  EXPECT_NE(report.find("SMOKE FIGURES"), std::string::npos);
  EXPECT_NE(report.find("full run's figures are pending"), std::string::npos);
  for (const char* section :
       {"## What the numbers say", "### Table I", "### Table IV", "### Table V", "### Table VI",
        "### Table VII", "## Table II", "## Table III", "## A setting chosen on held-out keys"}) {
    EXPECT_NE(report.find(section), std::string::npos) << section;
  }
  int pngs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(work / "figures")) {
    const cv::Mat img = cv::imread(entry.path().string());
    EXPECT_FALSE(img.empty()) << entry.path();
    EXPECT_NE(report.find("figures/" + entry.path().filename().string()), std::string::npos)
        << entry.path() << " is not linked from the report";
    ++pngs;
  }
  EXPECT_GE(pngs, static_cast<int>(composites.size()) * 2);

  // A second run reads every feature from the cache and gives the same results.
  EXPECT_GT(r.at("cache").at("misses").get<int>(), 0);
  EXPECT_EQ(r.at("cache").at("hits"), 0);
  const Ran second = RunCommand(Evaluate() + args);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const json r2 = json::parse(ReadText(work / "results.json"));
  EXPECT_EQ(r2.at("cache").at("misses"), 0);
  EXPECT_EQ(r2.at("cache").at("hits"), r.at("cache").at("misses"));
  EXPECT_EQ(r2.at("results"), r.at("results"));
  EXPECT_EQ(r2.at("separation"), r.at("separation"));
}

// Bad input: a precise message and exit code 3, before any model is touched.
class EvaluateBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    work_.MakeDir("models");
    std::ofstream(work_ / "models/o.pt") << "x";
    // A valid IDX image file: 4 images of 32 x 32.
    std::ofstream idx(work_ / "keys-idx3-ubyte", std::ios::binary);
    const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 32, 0, 0, 0, 32};
    idx.write(reinterpret_cast<const char*>(header), sizeof(header));
    idx << std::string(4 * 32 * 32, '\x40');
    idx.close();
    std::ofstream(work_ / "manifest.json") << R"({"keys": {"images": "keys-idx3-ubyte",
        "count": 4, "preprocess": {"mean": 0, "std": 1}}, "models": [{"name": "o",
        "model": "models/o.pt", "architecture": "vgg16", "role": "original", "attack": "none",
        "against": null}]})";
  }
  Ran Evaluate(const std::string& flags) {
    return RunCommand(infip::evaluate::Evaluate() + " --manifest " + work_ / "manifest.json" +
                      " --out " + work_ / "out.json " + flags);
  }
  ScratchDir work_;
};

TEST_F(EvaluateBadInput, TooManyKeysForHalfThePool) {
  const Ran r = Evaluate("--keys 3");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("N = 3 does not fit in half of the key pool (4 keys loaded"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(work_ / "out.json"));
}

TEST_F(EvaluateBadInput, UnknownComposite) {
  const Ran r = Evaluate("--keys 2 --composites dtd,no-such-rule");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no-such-rule"), std::string::npos) << r.output;
}

TEST_F(EvaluateBadInput, ManifestThatIsNotOne) {
  std::ofstream(work_ / "manifest.json") << "{\"models\": 3";
  const Ran r = Evaluate("--keys 2");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("zoo manifest: not valid JSON"), std::string::npos) << r.output;
}

TEST_F(EvaluateBadInput, UsageErrors) {
  EXPECT_EQ(Evaluate("--keys 0").exit_code, 2);
  EXPECT_EQ(Evaluate("--lambda-scaling sideways").exit_code, 2);
  EXPECT_EQ(RunCommand(infip::evaluate::Evaluate() + " --out x.json").exit_code,
            2);  // no --manifest
}

TEST_F(EvaluateBadInput, AModelThatIsNotOneNamesItsFile) {
  const Ran r = Evaluate("--keys 2 --composites dtd");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("o.pt"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace infip::evaluate
