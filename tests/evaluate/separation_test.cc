// Separation figures against values worked out by hand from their definitions.
#include "tools/evaluate/separation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace infip::evaluate {
namespace {

std::vector<Scored> Make(std::vector<double> pos, std::vector<double> neg) {
  std::vector<Scored> out;
  for (size_t i = 0; i < pos.size(); ++i) out.push_back({"p" + std::to_string(i), pos[i], true});
  for (size_t i = 0; i < neg.size(); ++i) out.push_back({"n" + std::to_string(i), neg[i], false});
  return out;
}

TEST(Separation, PerfectlySeparatedScores) {
  const Separation s = Separate(Make({0.95, 0.90}, {0.30, 0.50}), {0.01, 0.85});
  EXPECT_EQ(s.positives, 2);
  EXPECT_EQ(s.negatives, 2);
  EXPECT_DOUBLE_EQ(s.auc, 1.0);
  EXPECT_NEAR(s.margin, 0.40, 1e-12);
  EXPECT_EQ(s.lowest_positive, "p1");
  EXPECT_EQ(s.highest_negative, "n1");
  EXPECT_DOUBLE_EQ(s.tpr_at_fpr, 1.0);
  EXPECT_DOUBLE_EQ(s.fpr_at_fpr, 0.0);
  // The lowest threshold that flags no negative is the lowest positive score.
  EXPECT_DOUBLE_EQ(s.threshold_at_fpr, 0.90);
  EXPECT_DOUBLE_EQ(s.tpr_at_threshold, 1.0);
  EXPECT_DOUBLE_EQ(s.fpr_at_threshold, 0.0);
}

TEST(Separation, OverlapAndTiesCountHalf) {
  // Pairs (pos, neg): (0.8, 0.6) win, (0.8, 0.7) win, (0.6, 0.6) tie, (0.6, 0.7) loss.
  const Separation s = Separate(Make({0.8, 0.6}, {0.6, 0.7}), {0.01, 0.85});
  EXPECT_DOUBLE_EQ(s.auc, 2.5 / 4.0);
  EXPECT_NEAR(s.margin, -0.1, 1e-12);
  // FPR <= 1 % needs a threshold above 0.7: only 0.8 is flagged.
  EXPECT_DOUBLE_EQ(s.threshold_at_fpr, 0.8);
  EXPECT_DOUBLE_EQ(s.tpr_at_fpr, 0.5);
  EXPECT_DOUBLE_EQ(s.tpr_at_threshold, 0.0);  // nothing reaches 0.85
  EXPECT_DOUBLE_EQ(s.fpr_at_threshold, 0.0);
}

TEST(Separation, LooserFalsePositiveBoundAdmitsALowerThreshold) {
  const Separation s = Separate(Make({0.8, 0.6}, {0.6, 0.7}), {0.5, 0.65});
  // At 0.7 one of two negatives is flagged (FPR 0.5 <= 0.5); 0.6 would flag both.
  EXPECT_DOUBLE_EQ(s.threshold_at_fpr, 0.7);
  EXPECT_DOUBLE_EQ(s.fpr_at_fpr, 0.5);
  EXPECT_DOUBLE_EQ(s.tpr_at_fpr, 0.5);
  // At the fixed 0.65: positives 0.8 flagged, 0.6 not; negatives 0.7 flagged.
  EXPECT_DOUBLE_EQ(s.tpr_at_threshold, 0.5);
  EXPECT_DOUBLE_EQ(s.fpr_at_threshold, 0.5);
}

TEST(Separation, IdenticalScoresAreChance) {
  const Separation s = Separate(Make({1.0, 1.0}, {1.0, 1.0, 1.0}), {0.01, 0.85});
  EXPECT_DOUBLE_EQ(s.auc, 0.5);
  EXPECT_DOUBLE_EQ(s.margin, 0.0);
  // Only "above every score" keeps FPR at 0, and it flags nothing.
  EXPECT_TRUE(std::isinf(s.threshold_at_fpr));
  EXPECT_DOUBLE_EQ(s.tpr_at_fpr, 0.0);
}

TEST(Separation, WithoutNegativesTheComparativeFiguresAreUndefined) {
  const Separation s = Separate(Make({0.9, 0.4}, {}), {0.01, 0.85});
  EXPECT_EQ(s.negatives, 0);
  EXPECT_TRUE(std::isnan(s.auc));
  EXPECT_TRUE(std::isnan(s.margin));
  EXPECT_TRUE(std::isnan(s.tpr_at_fpr));
  EXPECT_TRUE(std::isnan(s.highest_negative_score));
  EXPECT_EQ(s.lowest_positive, "p1");
  EXPECT_DOUBLE_EQ(s.tpr_at_threshold, 0.5);
  EXPECT_TRUE(std::isnan(s.fpr_at_threshold));
}

TEST(Separation, EmptyInput) {
  const Separation s = Separate({}, {0.01, 0.85});
  EXPECT_EQ(s.positives, 0);
  EXPECT_TRUE(std::isnan(s.auc));
  EXPECT_TRUE(std::isnan(s.tpr_at_threshold));
}

TEST(RatesAt, CountsScoresAtOrAboveTheThreshold) {
  const std::vector<Scored> s = Make({0.9, 0.85, 0.2}, {0.85, 0.1});
  const Rates r = RatesAt(s, 0.85);
  EXPECT_DOUBLE_EQ(r.tpr, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.fpr, 0.5);
}

}  // namespace
}  // namespace infip::evaluate
