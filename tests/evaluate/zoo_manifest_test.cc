// Reading the zoo's manifest: what a valid one yields, and the precise error of each defect.
#include "tools/evaluate/zoo_manifest.h"

#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "scratch_dir.h"

namespace infip::evaluate {
namespace {

using infip::testing::ScratchDir;

void Touch(const std::string& path) { std::ofstream(path) << "x"; }

class ZooManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.MakeDir("models");
    dir_.MakeDir("keys");
    Touch(dir_ / "models/a-original.pt");
    Touch(dir_ / "models/a-prune.pt");
    Touch(dir_ / "keys/keys-idx3-ubyte");
  }

  // A valid manifest with `models` spliced in.
  static std::string With(const std::string& models, const std::string& keys = kKeys) {
    return absl::StrCat(R"({"version": 1, "settings": {"smoke": true, "width": 4}, "keys": )", keys,
                        R"(, "models": [)", models, "]}");
  }

  static constexpr char kKeys[] =
      R"({"images": "keys/keys-idx3-ubyte", "count": 1000,
          "preprocess": {"mean": 0.0, "std": 1.0, "low": 0.0, "high": 1.0}})";
  static constexpr char kOriginal[] =
      R"({"name": "a-original", "model": "models/a-original.pt", "architecture": "vgg16",
          "role": "original", "attack": "none", "setting": null, "against": null,
          "test_accuracy": 0.91, "watermark_accuracy": 0.01, "build_seconds": 91.4,
          "seed": 0})";
  static constexpr char kPruned[] =
      R"({"name": "a-prune", "model": "models/a-prune.pt", "architecture": "vgg16",
          "role": "pirated", "attack": "prune", "setting": {"fraction": 0.4, "scope": "global"},
          "against": "a-original", "test_accuracy": 0.9})";
  static constexpr char kBaseline[] =
      R"({"name": "a-baseline", "model": null, "role": "baseline",
          "attack": "input-gradient-magnitude", "against": "a-original"})";

  absl::StatusOr<ZooManifest> Parse(const std::string& text) const {
    return ParseZooManifest(text, dir_.path());
  }
  void ExpectError(const std::string& text, const std::string& fragment) const {
    auto zoo = Parse(text);
    ASSERT_FALSE(zoo.ok()) << "accepted: " << text;
    EXPECT_EQ(zoo.status().code(), absl::StatusCode::kInvalidArgument) << zoo.status();
    EXPECT_NE(zoo.status().message().find(fragment), std::string::npos)
        << "'" << zoo.status().message() << "' does not mention '" << fragment << "'";
  }

  ScratchDir dir_;
};

TEST_F(ZooManifestTest, ReadsEveryFieldTheEvaluationUses) {
  auto zoo = Parse(With(absl::StrCat(kOriginal, ",", kPruned, ",", kBaseline)));
  ASSERT_TRUE(zoo.ok()) << zoo.status();
  EXPECT_TRUE(zoo->smoke);
  EXPECT_EQ(zoo->keys.images_path, dir_ / "keys/keys-idx3-ubyte");
  EXPECT_EQ(zoo->keys.count, 1000);
  EXPECT_DOUBLE_EQ(zoo->keys.std, 1.0);
  ASSERT_EQ(zoo->models.size(), 3u);

  const ZooModel* o = zoo->Find("a-original");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->role, Role::kOriginal);
  EXPECT_EQ(o->model_path, dir_ / "models/a-original.pt");
  EXPECT_TRUE(o->against.empty());
  EXPECT_EQ(o->setting_json, "null");
  ASSERT_TRUE(o->watermark_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*o->watermark_accuracy, 0.01);
  ASSERT_TRUE(o->build_seconds.has_value());
  EXPECT_DOUBLE_EQ(*o->build_seconds, 91.4);
  EXPECT_EQ(o->seed, std::optional<int64_t>(0));

  const ZooModel* p = zoo->Find("a-prune");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->role, Role::kPirated);
  EXPECT_EQ(p->against, "a-original");
  EXPECT_EQ(p->setting_json, R"({"fraction":0.4,"scope":"global"})");
  EXPECT_FALSE(p->watermark_accuracy.has_value());
  EXPECT_FALSE(p->alias_of.has_value());
  EXPECT_FALSE(p->build_seconds.has_value());
  EXPECT_FALSE(p->seed.has_value());

  const ZooModel* b = zoo->Find("a-baseline");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->role, Role::kBaseline);
  EXPECT_TRUE(b->model_path.empty());
  EXPECT_EQ(zoo->Find("nothing"), nullptr);
}

TEST_F(ZooManifestTest, LoadResolvesPathsAgainstTheManifestsDirectory) {
  std::ofstream(dir_ / "manifest.json") << With(absl::StrCat(kOriginal, ",", kPruned));
  auto zoo = LoadZooManifest(dir_ / "manifest.json");
  ASSERT_TRUE(zoo.ok()) << zoo.status();
  EXPECT_EQ(zoo->path, dir_ / "manifest.json");
  EXPECT_EQ(zoo->Find("a-prune")->model_path, dir_ / "models/a-prune.pt");
}

TEST_F(ZooManifestTest, MissingFileIsNotFound) {
  auto zoo = LoadZooManifest(dir_ / "no-such-manifest.json");
  ASSERT_FALSE(zoo.ok());
  EXPECT_EQ(zoo.status().code(), absl::StatusCode::kNotFound) << zoo.status();
}

TEST_F(ZooManifestTest, RejectsTextThatIsNotAManifest) {
  ExpectError("{not json", "not valid JSON");
  ExpectError("[1, 2]", "not a JSON object");
  ExpectError(absl::StrCat(R"({"keys": )", kKeys, "}"), "'models'");
  ExpectError(With(kOriginal, R"({"count": 3, "preprocess": {}})"), "'images'");
  ExpectError(With(kOriginal, R"({"images": "keys/keys-idx3-ubyte", "count": 0,
                                  "preprocess": {}})"),
              "'count'");
  ExpectError(With(kOriginal, R"({"images": "keys/keys-idx3-ubyte", "count": 5,
                                  "preprocess": {"std": 0}})"),
              "'std'");
  ExpectError(With(kOriginal, R"({"images": "keys/missing", "count": 5, "preprocess": {}})"),
              "is not a file");
}

TEST_F(ZooManifestTest, RejectsDefectiveEntriesNamingThem) {
  const std::string o = kOriginal;
  ExpectError(With(absl::StrCat(o, R"(, {"role": "pirated"})")), "'name'");
  ExpectError(With(absl::StrCat(
                  o, R"(, {"name": "x", "role": "stolen", "attack": "a", "against": "a-original",
                              "model": "models/a-prune.pt", "architecture": "vgg16"})")),
              "stolen");
  ExpectError(With(absl::StrCat(o, R"(, {"name": "x", "role": "pirated", "attack": "a",
                              "model": "models/a-prune.pt", "architecture": "vgg16"})")),
              "x): field 'against' is missing");
  ExpectError(With(absl::StrCat(
                  o, R"(, {"name": "x", "role": "pirated", "attack": "a", "against": "a-prune",
                              "model": "models/a-prune.pt", "architecture": "vgg16"})")),
              "names no original");
  ExpectError(With(absl::StrCat(
                  o, R"(, {"name": "x", "role": "pirated", "attack": "a", "against": "a-original",
                              "model": "models/gone.pt", "architecture": "vgg16"})")),
              "is not a file");
  ExpectError(With(absl::StrCat(
                  o, R"(, {"name": "x", "role": "pirated", "attack": "a", "against": "a-original",
                              "architecture": "vgg16"})")),
              "'model' is missing");
  ExpectError(With(absl::StrCat(
                  o, R"(, {"name": "x", "role": "baseline", "attack": "a", "against": "a-original",
                              "model": "models/a-prune.pt"})")),
              "must be null for a baseline");
  ExpectError(With(absl::StrCat(o, ",", o)), "duplicate name 'a-original'");
  ExpectError(With(absl::StrCat(
                  o, R"(, {"name": "x", "role": "pirated", "attack": "a", "against": "a-original",
                              "model": "models/a-prune.pt", "architecture": "vgg16",
                              "test_accuracy": "high"})")),
              "'test_accuracy'");
  ExpectError(
      With(absl::StrCat(o, R"(, {"name": "x", "role": "independent", "attack": "seed", "seed": 1.5,
                              "against": "a-original", "model": "models/a-prune.pt",
                              "architecture": "vgg16"})")),
      "'seed'");
}

}  // namespace
}  // namespace infip::evaluate
