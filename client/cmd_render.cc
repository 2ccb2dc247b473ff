// infip render: fingerprint sets as PNG files, one per fingerprint, plus evidence sheets that
// put each key, its fingerprint(s) and the SSIM map of the two side by side.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "infip/audit/evidence_grid.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/fingerprint/file_format.h"
#include "infip/io/image_dir.h"
#include "infip/similarity/ssim.h"

namespace infip::cli {
namespace {

constexpr int64_t kKeysPerSheet = 8;

struct RenderFlags {
  std::string original;
  std::string suspect;  // empty: render one set
  std::string out;
};

absl::Status MakeDirectory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot create output directory %s: %s", dir, error.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteEach(const torch::Tensor& images, const std::string& dir, const char* prefix) {
  for (int64_t i = 0; i < images.size(0); ++i) {
    INFIP_RETURN_IF_ERROR(
        io::WritePng(absl::StrFormat("%s/%s_%04d.png", dir, prefix, i), images[i]));
  }
  return absl::OkStatus();
}

// SSIM maps mapped to 0..255 (an SSIM of 0 or below is black, 1 white); none when the images
// are smaller than the SSIM window.
absl::StatusOr<std::optional<torch::Tensor>> SsimImages(const torch::Tensor& a,
                                                        const torch::Tensor& b) {
  const similarity::SsimOptions options;
  if (a.size(1) < options.window || a.size(2) < options.window) return std::nullopt;
  INFIP_ASSIGN_OR_RETURN(torch::Tensor maps, CatchTorch("SSIM maps", [&] {
                           return similarity::SsimMaps(a, b, options);
                         }));
  return std::optional<torch::Tensor>(
      (maps.clamp(0.0, 1.0) * 255.0).round().to(torch::kUInt8).contiguous());
}

absl::Status RunRender(const RenderFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet original,
                         fingerprint::ReadFingerprintSetFile(flags.original));
  std::optional<fingerprint::FingerprintSet> suspect;
  if (!flags.suspect.empty()) {
    INFIP_ASSIGN_OR_RETURN(suspect, fingerprint::ReadFingerprintSetFile(flags.suspect));
    INFIP_RETURN_IF_ERROR(fingerprint::CheckComparable(original, *suspect));
  }
  INFIP_RETURN_IF_ERROR(MakeDirectory(flags.out));

  INFIP_RETURN_IF_ERROR(WriteEach(original.images, flags.out, "fingerprint"));
  std::optional<torch::Tensor> ssim;
  if (suspect) {
    INFIP_RETURN_IF_ERROR(WriteEach(suspect->images, flags.out, "suspect"));
    INFIP_ASSIGN_OR_RETURN(ssim, SsimImages(original.images, suspect->images));
  }

  std::vector<std::string> columns;
  const bool has_keys = original.key_preview.defined();
  if (has_keys) columns.push_back("key");
  columns.push_back("fingerprint");
  if (suspect) columns.push_back("suspect");
  if (ssim) columns.push_back("SSIM map");

  audit::GridLayout layout;
  layout.cell_height = original.images.size(1);
  layout.cell_width = original.images.size(2);
  layout.scale = audit::LegibleScale(layout.cell_height, layout.cell_width);
  const int64_t n = original.size();
  int sheets = 0;
  for (int64_t first = 0; first < n; first += kKeysPerSheet, ++sheets) {
    const int64_t last = std::min(n, first + kKeysPerSheet) - 1;
    std::vector<std::vector<torch::Tensor>> rows;
    for (int64_t i = first; i <= last; ++i) {
      std::vector<torch::Tensor>& row = rows.emplace_back();
      if (has_keys) row.push_back(original.key_preview[i]);
      row.push_back(original.images[i]);
      if (suspect) row.push_back(suspect->images[i]);
      if (ssim) row.push_back((*ssim)[i]);
    }
    INFIP_ASSIGN_OR_RETURN(torch::Tensor sheet,
                           CatchTorch(
                               "evidence sheet", [&] { return audit::EvidenceSheet(rows, layout); },
                               absl::StatusCode::kInternal));
    INFIP_RETURN_IF_ERROR(
        io::WritePng(absl::StrFormat("%s/grid_%04d-%04d.png", flags.out, first, last), sheet));
  }

  std::cout << absl::StrFormat(
                   "wrote %d fingerprint PNGs%s and %d evidence sheets (rows: keys; columns: "
                   "%s) -> %s",
                   n, suspect ? absl::StrFormat(", %d suspect PNGs", suspect->size()) : "", sheets,
                   absl::StrJoin(columns, " | "), flags.out)
            << std::endl;
  return absl::OkStatus();
}

}  // namespace

Command AddRenderCommand(CLI::App& root) {
  auto flags = std::make_shared<RenderFlags>();
  CLI::App* app = root.add_subcommand(
      "render",
      "Write each fingerprint as a PNG (fingerprint_0000.png ..., suspect_0000.png ... for a "
      "second set) and evidence sheets grid_FIRST-LAST.png: key, fingerprint(s), SSIM map");
  app->add_option("original", flags->original, ".infip file")->required();
  app->add_option("suspect", flags->suspect, "optional second .infip file to set beside it");
  app->add_option("--out", flags->out, "output directory (created if missing)")->required();
  return {app, [flags] { return RunRender(*flags); }, {}};
}

}  // namespace infip::cli
