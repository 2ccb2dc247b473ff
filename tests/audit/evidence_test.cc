// Evidence images: PNGs that decode (OpenCV, independently of how they were encoded), in the
// promised number, order, kinds and sizes, holding the very pixels of the stored sets.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "audit_test_util.h"
#include "infip/audit/auditor.h"
#include "infip/audit/evidence_grid.h"
#include "infip/store/make_registration.h"

namespace infip::audit {
namespace {

using testing::AuditorTest;
using testing::GrayKeys;
using testing::RgbKeys;
using testing::Suspect;

cv::Mat Decode(const EvidenceImage& image) {
  const cv::Mat buffer(1, static_cast<int>(image.png.size()), CV_8UC1,
                       const_cast<char*>(image.png.data()));
  cv::Mat decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  EXPECT_FALSE(decoded.empty()) << image.name << " does not decode";
  return decoded;
}

// A decoded gray image as an H x W uint8 tensor.
torch::Tensor AsTensor(const cv::Mat& gray) {
  EXPECT_EQ(gray.channels(), 1);
  return torch::from_blob(gray.data, {gray.rows, gray.cols}, torch::kUInt8).clone();
}

class EvidenceTest : public AuditorTest {};

TEST_F(EvidenceTest, VerdictEvidenceHoldsEveryKeyAndAGrid) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r.id, Suspect("vgg_like_other.pt"), Control{});
  ASSERT_TRUE(v.ok()) << v.status();
  absl::StatusOr<std::vector<EvidenceImage>> images = auditor_->VerdictEvidence(v->id, 0);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 8u * 4 + 1);

  absl::StatusOr<fingerprint::FingerprintSet> s = store::StoredFingerprints(r);
  absl::StatusOr<store::StoredVerdict> stored = store_->GetVerdict(v->id);
  ASSERT_TRUE(s.ok() && stored.ok());
  const EvidenceKind order[] = {EvidenceKind::kKey, EvidenceKind::kRegisteredFingerprint,
                                EvidenceKind::kSuspectFingerprint, EvidenceKind::kSsimMap};
  for (int64_t i = 0; i < 8; ++i) {
    for (int k = 0; k < 4; ++k) {
      const EvidenceImage& image = (*images)[static_cast<size_t>(i * 4 + k)];
      EXPECT_EQ(image.kind, order[k]) << image.name;
      EXPECT_EQ(image.key_index, i) << image.name;
      const cv::Mat decoded = Decode(image);
      EXPECT_EQ(decoded.channels(), 1) << image.name;
      // An 11 x 11 window leaves 22 x 22 valid SSIM values of a 32 x 32 image.
      const int side = image.kind == EvidenceKind::kSsimMap ? 22 : 32;
      EXPECT_EQ(decoded.rows, side) << image.name;
      EXPECT_EQ(decoded.cols, side) << image.name;
      if (image.kind == EvidenceKind::kRegisteredFingerprint) {
        EXPECT_TRUE(torch::equal(AsTensor(decoded), s->images[i])) << image.name;
      }
      if (image.kind == EvidenceKind::kSsimMap) {
        EXPECT_EQ(image.ssim, v->comparison.per_key[static_cast<size_t>(i)]);
        // The map's mean, mapped back from 0..255, is close to the key's SSIM.
        const double mean = cv::mean(decoded)[0] / 127.5 - 1.0;
        EXPECT_NEAR(mean, image.ssim, 0.01) << image.name;
      }
    }
  }
  EXPECT_EQ((*images)[0].name, "key-000.png");
  EXPECT_EQ((*images)[3].name, "key-000-ssim.png");
  EXPECT_EQ((*images)[6].name, "key-001-suspect.png");

  const EvidenceImage& grid = images->back();
  EXPECT_EQ(grid.kind, EvidenceKind::kGrid);
  EXPECT_EQ(grid.key_index, -1);
  EXPECT_EQ(grid.name, "grid.png");
  const cv::Mat sheet = Decode(grid);
  // 8 rows and 4 columns of 32 x 32 cells enlarged 4 times, 6-pixel gaps around each.
  EXPECT_EQ(sheet.channels(), 3);
  EXPECT_EQ(sheet.rows, 8 * 128 + 9 * 6);
  EXPECT_EQ(sheet.cols, 4 * 128 + 5 * 6);
}

TEST_F(EvidenceTest, SelfVerdictSsimMapsAreWhite) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r.id, Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(v.ok()) << v.status();
  absl::StatusOr<std::vector<EvidenceImage>> images = auditor_->VerdictEvidence(v->id, 2);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 2u * 4 + 1);
  for (const EvidenceImage& image : *images) {
    if (image.kind != EvidenceKind::kSsimMap) continue;
    double low = 0, high = 0;
    cv::minMaxLoc(Decode(image), &low, &high);
    EXPECT_EQ(low, 255) << image.name;  // SSIM 1 everywhere
  }
  const cv::Mat sheet = Decode(images->back());
  EXPECT_EQ(sheet.rows, 2 * 128 + 3 * 6);
}

TEST_F(EvidenceTest, ComparisonViewShowsNoKeyAndNoFingerprint) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  absl::StatusOr<VerdictRecord> v =
      auditor_->Verify(r.id, Suspect("vgg_like_other.pt"), Control{}, "shop");
  ASSERT_TRUE(v.ok()) << v.status();
  absl::StatusOr<std::vector<EvidenceImage>> full = auditor_->VerdictEvidence(v->id, 0);
  absl::StatusOr<std::vector<EvidenceImage>> comparison =
      auditor_->VerdictEvidence(v->id, 0, EvidenceView::kComparison);
  ASSERT_TRUE(full.ok() && comparison.ok()) << comparison.status();
  ASSERT_EQ(comparison->size(), 8u + 1);
  for (int64_t i = 0; i < 8; ++i) {
    const EvidenceImage& map = (*comparison)[static_cast<size_t>(i)];
    EXPECT_EQ(map.kind, EvidenceKind::kSsimMap);
    EXPECT_EQ(map.key_index, i);
    // The very map, and SSIM, of the full view.
    const EvidenceImage& same = (*full)[static_cast<size_t>(i * 4 + 3)];
    EXPECT_EQ(map.name, same.name);
    EXPECT_EQ(map.png, same.png);
    EXPECT_EQ(map.ssim, same.ssim);
  }
  for (const EvidenceImage& image : *full) {
    if (image.kind == EvidenceKind::kSsimMap) continue;
    for (const EvidenceImage& shown : *comparison) {
      EXPECT_NE(image.png, shown.png) << image.name << " leaked as " << shown.name;
    }
  }
  // The grid: one column of SSIM maps (22 x 22, enlarged 5 times).
  const EvidenceImage& grid = comparison->back();
  EXPECT_EQ(grid.kind, EvidenceKind::kGrid);
  const cv::Mat sheet = Decode(grid);
  EXPECT_EQ(sheet.cols, 1 * 22 * 5 + 2 * 6);
  EXPECT_EQ(sheet.rows, 8 * 22 * 5 + 9 * 6);
  // The verdict records who asked.
  EXPECT_EQ(store_->GetVerdictSummary(v->id)->principal, "shop");
}

TEST_F(EvidenceTest, RegistrationsAndVerdictsRecordTheirPrincipals) {
  RegisterSettings settings = testing::Settings();
  settings.owner = "bob";
  settings.principal = "ops";  // an admin registering for bob
  const store::Registration r = Register("vgg_like.pt", GrayKeys(), settings);
  EXPECT_EQ(store_->GetSummary(r.id)->owner, "bob");
  EXPECT_EQ(store_->GetSummary(r.id)->principal, "ops");
  settings.principal.clear();
  const store::Registration own = Register("vgg_like.pt", GrayKeys(), settings);
  EXPECT_EQ(store_->GetSummary(own.id)->principal, "bob");
  absl::StatusOr<ScreenOutcome> screened =
      auditor_->Screen(Suspect("vgg_like.pt"), std::nullopt, Control{}, "shop");
  ASSERT_TRUE(screened.ok()) << screened.status();
  ASSERT_FALSE(screened->verdicts.empty());
  for (const VerdictRecord& v : screened->verdicts) {
    EXPECT_EQ(store_->GetVerdictSummary(v.id)->principal, "shop");
  }
  settings.principal = "bad\nname";
  EXPECT_EQ(auditor_->RegisterModel(settings, GrayKeys(), Suspect("vgg_like.pt"), Control{})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EvidenceTest, RegistrationEvidenceShowsKeysAndFingerprints) {
  const io::KeySet keys = RgbKeys();
  const store::Registration r = Register("resnet_like.pt", keys);
  absl::StatusOr<std::vector<EvidenceImage>> images = auditor_->RegistrationEvidence(r.id, 3);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 3u * 2 + 1);
  const cv::Mat key = Decode((*images)[0]);
  EXPECT_EQ((*images)[0].kind, EvidenceKind::kKey);
  EXPECT_EQ(key.channels(), 3);
  EXPECT_EQ(key.rows, 32);
  // The key image is the key, mapped from its box [0, 1] to 0..255 (OpenCV decodes BGR).
  const float x = keys.inputs[0][0][5][7].item<float>();
  EXPECT_NEAR(key.at<cv::Vec3b>(5, 7)[2], x * 255.0, 0.51);
  EXPECT_EQ((*images)[1].kind, EvidenceKind::kRegisteredFingerprint);
  EXPECT_EQ(Decode((*images)[1]).channels(), 1);
  const cv::Mat sheet = Decode(images->back());
  EXPECT_EQ(sheet.rows, 3 * 128 + 4 * 6);
  EXPECT_EQ(sheet.cols, 2 * 128 + 3 * 6);

  // max_keys beyond N is every key.
  absl::StatusOr<std::vector<EvidenceImage>> all = auditor_->RegistrationEvidence(r.id, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 8u * 2 + 1);
}

TEST(EvidenceGridTest, LayoutShrinksToFitButNeverBelowOne) {
  const GridLayout small = FitLayout(8, 4, 32, 32);
  EXPECT_EQ(small.scale, 4);
  // 400 rows of 32-pixel cells do not fit 16384 pixels at scale 4.
  const GridLayout many = FitLayout(400, 4, 32, 32);
  EXPECT_LT(many.scale, 4);
  EXPECT_LE(400 * 32 * many.scale + 401 * many.gap, 16384);
  EXPECT_EQ(FitLayout(100000, 4, 32, 32).scale, 1);
}

}  // namespace
}  // namespace infip::audit
