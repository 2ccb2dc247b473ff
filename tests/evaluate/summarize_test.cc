// The separation summary and the choice made on the tuning split, on hand-made scores.
#include "tools/evaluate/summarize.h"

#include <gtest/gtest.h>

#include <cmath>

namespace infip::evaluate {
namespace {

using fingerprint::LambdaScaling;

Score Make(const std::string& name, Role role, const std::string& attack,
           const std::string& composite, double lambda, const std::string& split, double assim,
           LambdaScaling scaling = LambdaScaling::kResolution, int64_t keys = 8) {
  Score s;
  s.suspect = name;
  s.role = role;
  s.attack = attack;
  s.composite = composite;
  s.lambda = lambda;
  s.scaling = scaling;
  s.split = split;
  s.keys = keys;
  s.comparison.assim = assim;
  return s;
}

TEST(PositiveIn, SubsetsLeaveOutDistilledAndRandomModels) {
  const Score distilled = Make("d", Role::kPirated, "distill", "dtd", 1, "report", 0.5);
  const Score pruned = Make("p", Role::kPirated, "prune", "dtd", 1, "report", 0.9);
  const Score random = Make("r", Role::kIndependent, "random-init", "dtd", 1, "report", 0.5);
  const Score seed = Make("s", Role::kIndependent, "seed", "dtd", 1, "report", 0.5);
  const Score same = Make("o", Role::kOriginal, "same-model", "dtd", 1, "report", 1.0);
  const Score input = Make("b", Role::kBaseline, "input-key-image", "dtd", 1, "report", 0.3);

  EXPECT_EQ(PositiveIn(distilled, Subset::kAll), std::optional<bool>(true));
  EXPECT_EQ(PositiveIn(distilled, Subset::kExcludingDistillation), std::nullopt);
  EXPECT_EQ(PositiveIn(distilled, Subset::kWeightDerivedVsTrained), std::nullopt);
  EXPECT_EQ(PositiveIn(pruned, Subset::kWeightDerivedVsTrained), std::optional<bool>(true));
  EXPECT_EQ(PositiveIn(random, Subset::kAll), std::optional<bool>(false));
  EXPECT_EQ(PositiveIn(random, Subset::kExcludingRandomInit), std::nullopt);
  EXPECT_EQ(PositiveIn(random, Subset::kExcludingDistillation), std::optional<bool>(false));
  EXPECT_EQ(PositiveIn(seed, Subset::kWeightDerivedVsTrained), std::optional<bool>(false));
  for (Subset subset : AllSubsets()) {
    EXPECT_EQ(PositiveIn(same, subset), std::nullopt);
    EXPECT_EQ(PositiveIn(input, subset), std::nullopt);
  }
}

TEST(ZeroFalsePositiveThreshold, HalfwayAboveTheHighestNegative) {
  EXPECT_DOUBLE_EQ(ZeroFalsePositiveThreshold(
                       {{"a", 0.9, true}, {"b", 0.95, true}, {"c", 0.5, false}, {"d", 0.7, false}}),
                   0.8);
  // Overlap: the next positive above the highest negative still defines the gap.
  EXPECT_DOUBLE_EQ(
      ZeroFalsePositiveThreshold({{"a", 0.6, true}, {"b", 0.8, true}, {"c", 0.7, false}}), 0.75);
  EXPECT_TRUE(std::isnan(ZeroFalsePositiveThreshold({{"a", 0.5, true}, {"c", 0.7, false}})));
  EXPECT_TRUE(std::isnan(ZeroFalsePositiveThreshold({{"a", 0.5, true}})));
}

// Two composites x two lambdas; on the tuning split only ("b", 2) separates, while on the
// report split ("a", 1) would look best: the choice must follow the tuning split.
Evaluation TwoByTwo() {
  Evaluation e;
  e.options.composites = {"a", "b"};
  e.options.lambdas = {1, 2};
  e.options.keys = 8;
  e.options.lambda = 1;
  e.options.threshold = 0.85;
  for (const std::string c : {"a", "b"}) {
    for (double l : {1.0, 2.0}) {
      const bool good_tuning = c == "b" && l == 2.0;
      const bool good_report = c == "a" && l == 1.0;
      for (const std::string split : {"tuning", "report"}) {
        const bool good = split == "tuning" ? good_tuning : good_report;
        e.lambda_sweep.push_back(
            Make("pirate", Role::kPirated, "prune", c, l, split, good ? 0.95 : 0.60));
        e.lambda_sweep.push_back(
            Make("pirate2", Role::kPirated, "fine-tune", c, l, split, good ? 0.90 : 0.80));
        e.lambda_sweep.push_back(Make("seed", Role::kIndependent, "seed", c, l, split, 0.70));
      }
    }
  }
  return e;
}

TEST(ChooseSetting, ChoosesOnTheTuningSplitAndMeasuresOnTheReportSplit) {
  Evaluation e = TwoByTwo();
  SummarizeSeparation(e);
  ChooseSetting(e);
  // Every lambda x scaling pair present in the sweep is a candidate (literal is absent here).
  EXPECT_EQ(e.tuning.candidates.size(), 4u);
  EXPECT_EQ(e.tuning.chosen.composite, "b");
  EXPECT_EQ(e.tuning.chosen.lambda, 2.0);
  EXPECT_DOUBLE_EQ(e.tuning.chosen.tuning.auc, 1.0);
  // Highest independent 0.70, next score above it 0.90.
  EXPECT_DOUBLE_EQ(e.tuning.threshold, 0.80);
  // On the report split ("b", 2) has pirates at 0.60 and 0.80 against 0.70.
  EXPECT_DOUBLE_EQ(e.tuning.report.auc, 0.5);
  EXPECT_DOUBLE_EQ(e.tuning.report.tpr_at_threshold, 0.5);
  EXPECT_DOUBLE_EQ(e.tuning.report.fpr_at_threshold, 0.0);
}

TEST(ChooseSetting, ChoosesForWeightDerivedCopiesWhenNothingSeparatesEveryCopy) {
  Evaluation e = TwoByTwo();
  EXPECT_EQ(e.tuning.subset, Subset::kAll);
  // A distilled student below the independent model everywhere: no candidate reaches AUC 1.
  for (const std::string c : {"a", "b"}) {
    for (double l : {1.0, 2.0}) {
      for (const std::string split : {"tuning", "report"}) {
        e.lambda_sweep.push_back(Make("student", Role::kPirated, "distill", c, l, split, 0.40));
      }
    }
  }
  SummarizeSeparation(e);
  ChooseSetting(e);
  EXPECT_EQ(e.tuning.subset, Subset::kExcludingDistillation);
  EXPECT_NE(e.tuning.criterion.find("keep the original's weights"), std::string::npos)
      << e.tuning.criterion;
  // Without the student, ("b", 2) separates on the tuning split as before.
  EXPECT_EQ(e.tuning.chosen.composite, "b");
  EXPECT_EQ(e.tuning.chosen.lambda, 2.0);
  EXPECT_DOUBLE_EQ(e.tuning.chosen.tuning.auc, 1.0);
  EXPECT_EQ(e.tuning.chosen.tuning.positives, 2);
  EXPECT_DOUBLE_EQ(e.tuning.threshold, 0.80);
  // Report split at T* = 0.80: of the two weight-derived pirates (0.60, 0.80) one is caught;
  // with the student (0.40) counted, one of three.
  EXPECT_EQ(e.tuning.report.positives, 2);
  EXPECT_DOUBLE_EQ(e.tuning.report.tpr_at_threshold, 0.5);
  EXPECT_EQ(e.tuning.report_all.positives, 3);
  EXPECT_NEAR(e.tuning.report_all.tpr_at_threshold, 1.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(e.tuning.report_all.fpr_at_threshold, 0.0);
}

TEST(ChooseSetting, LeavesOutCompositesWhoseFingerprintsAreMostlyBlank) {
  Evaluation e = TwoByTwo();
  // "b" separates on the tuning split, but its originals' fingerprints there are blank.
  for (const std::string c : {"a", "b"}) {
    Score same = Make("orig", Role::kOriginal, "same-model", c, 1, "tuning", 1.0);
    same.blank_fraction = c == "b" ? 0.75 : 0.0;
    e.headline.push_back(same);
  }
  SummarizeSeparation(e);
  ChooseSetting(e);
  EXPECT_EQ(e.tuning.excluded, std::vector<std::string>{"b"});
  EXPECT_EQ(e.tuning.candidates.size(), 2u);
  EXPECT_EQ(e.tuning.chosen.composite, "a");  // all of "a" tie at AUC 0.5: the first
  EXPECT_EQ(e.tuning.chosen.lambda, 1.0);
}

TEST(ChooseSetting, TiesGoToTheFirstCandidateInTheGivenOrder) {
  Evaluation e;
  e.options.composites = {"b", "a"};
  e.options.lambdas = {2, 1};
  e.options.keys = 8;
  for (const std::string c : {"a", "b"}) {
    for (double l : {1.0, 2.0}) {
      e.lambda_sweep.push_back(Make("pirate", Role::kPirated, "prune", c, l, "tuning", 0.9));
      e.lambda_sweep.push_back(Make("seed", Role::kIndependent, "seed", c, l, "tuning", 0.5));
    }
  }
  SummarizeSeparation(e);
  ChooseSetting(e);
  EXPECT_EQ(e.tuning.chosen.composite, "b");
  EXPECT_EQ(e.tuning.chosen.lambda, 2.0);
}

TEST(SummarizeSeparation, AScoreInSeveralListsCountsOnce) {
  Evaluation e = TwoByTwo();
  // The headline repeats the lambda sweep's point at ("a", 1, report).
  e.headline.push_back(Make("pirate", Role::kPirated, "prune", "a", 1, "report", 0.95));
  SummarizeSeparation(e);
  const SeparationRecord* r =
      FindSeparation(e, "a", 1, LambdaScaling::kResolution, "report", 8, Subset::kAll);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->stats.positives, 2);
  EXPECT_EQ(r->stats.negatives, 1);
  EXPECT_DOUBLE_EQ(r->stats.auc, 1.0);
  EXPECT_NEAR(r->stats.margin, 0.90 - 0.70, 1e-12);
  // One record per setting and subset: 2 composites x 2 lambdas x 2 splits x 4 subsets.
  EXPECT_EQ(e.separation.size(), 32u);
}

}  // namespace
}  // namespace infip::evaluate
