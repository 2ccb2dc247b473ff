// The report's lineage bullets, on hand-made scores: which way each sentence goes must follow
// the numbers, and a zoo without the models they need gets none.
#include <gtest/gtest.h>

#include <string>

#include "tools/evaluate/report_sections.h"

namespace infip::evaluate {
namespace {

ZooModel Model(const std::string& name, Role role, const std::string& attack, int64_t seed,
               const std::string& against = "o") {
  ZooModel m;
  m.name = name;
  m.role = role;
  m.attack = attack;
  m.seed = seed;
  m.against = against;
  return m;
}

Score Scored(const std::string& name, Role role, const std::string& attack, double assim,
             double agreement) {
  Score s;
  s.suspect = name;
  s.against = "o";
  s.role = role;
  s.attack = attack;
  s.composite = "dtd";
  s.split = "report";
  s.comparison.assim = assim;
  s.prediction_agreement = agreement;
  return s;
}

class LineageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    e_.options.composites = {"dtd"};
    zoo_.models = {Model("o", Role::kOriginal, "none", 0, ""),
                   Model("seed1", Role::kIndependent, "seed", 1),
                   Model("seed2", Role::kIndependent, "seed", 2),
                   Model("disjoint", Role::kIndependent, "disjoint-data", 0),
                   Model("student", Role::kPirated, "distill", 1000)};
    e_.headline = {Scored("seed1", Role::kIndependent, "seed", 0.60, 0.95),
                   Scored("seed2", Role::kIndependent, "seed", 0.64, 0.93),
                   Scored("disjoint", Role::kIndependent, "disjoint-data", 0.80, 0.94)};
  }
  std::string Render() const { return LineageParagraph(ReportContext(e_, zoo_)); }

  Evaluation e_;
  ZooManifest zoo_;
};

TEST_F(LineageTest, NothingToSayWithoutStudentsOrSharedSeeds) {
  zoo_.models[3].seed = 7;  // the disjoint model no longer shares the original's seed
  EXPECT_EQ(Render(), "");
}

TEST_F(LineageTest, StudentsThatAgreeLessThanIndependentModels) {
  e_.headline.push_back(Scored("student", Role::kPirated, "distill", 0.40, 0.90));
  const std::string out = Render();
  // 0.40 is below every independent model (0.60-0.80); 90 % agreement is below their median 94 %.
  EXPECT_NE(out.find("score below every trained independent model (0.6000–0.8000)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("median 94.0 %"), std::string::npos) << out;
  EXPECT_NE(out.find("no more closely than independent training"), std::string::npos) << out;
}

TEST_F(LineageTest, StudentsThatAgreeMoreThanIndependentModels) {
  e_.headline.push_back(Scored("student", Role::kPirated, "distill", 0.70, 0.99));
  const std::string out = Render();
  EXPECT_NE(out.find("within the range of the trained independent models"), std::string::npos)
      << out;
  EXPECT_NE(out.find("a test on predictions would see what the fingerprint misses"),
            std::string::npos)
      << out;
}

TEST_F(LineageTest, SharedInitialWeightsAboveEveryOtherIndependentModel) {
  const std::string out = Render();
  EXPECT_NE(out.find("(`disjoint` 0.8000) score above every independent model with initial "
                     "weights of its own (highest 0.6400, median 0.6200)"),
            std::string::npos)
      << out;
}

TEST_F(LineageTest, NamesTheModelsTrainedOnTheSameDataFromTheirOwnSeed) {
  zoo_.models.push_back(Model("disjoint-seed3", Role::kIndependent, "disjoint-data", 3));
  e_.headline.push_back(Scored("disjoint-seed3", Role::kIndependent, "disjoint-data", 0.62, 0.94));
  const std::string out = Render();
  // Own seeds: 0.60, 0.62, 0.64 (median 0.62); the disjoint-data one among them is named.
  EXPECT_NE(out.find("(highest 0.6400, median 0.6200; the same data from initial weights of "
                     "their own: `disjoint-seed3` 0.6200)"),
            std::string::npos)
      << out;
}

TEST_F(LineageTest, SharedInitialWeightsThatLeaveNoTrace) {
  e_.headline[2].comparison.assim = 0.55;
  const std::string out = Render();
  EXPECT_NE(out.find("no higher than independent models with initial weights of their own"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace infip::evaluate
