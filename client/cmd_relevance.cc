// infip relevance: the raw input relevance of every key, float32 N x C x H x W in an .npy
// file, before the channel sum that makes the intrinsic feature; for checking the relevance
// engine against other implementations.
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/extraction.h"
#include "client/key_flags.h"
#include "client/progress.h"
#include "infip/common/status_macros.h"
#include "infip/io/npy.h"

namespace infip::cli {
namespace {

struct RelevanceFlags {
  KeyFlags keys;
  std::string out;
};

absl::Status RunRelevance(const RelevanceFlags& flags) {
  ProgressBar bar("relevance");
  // Relevance only: the fingerprint images made alongside are not written.
  INFIP_ASSIGN_OR_RETURN(
      audit::Extraction extraction,
      RunExtraction(flags.keys, fingerprint::ImageOptions{}, /*with_key_preview=*/false,
                    /*keep_relevance=*/true,
                    [&bar](int64_t done, int64_t total) { bar.Update(done, total); }));
  bar.Finish();

  const torch::Tensor& relevance = extraction.explanation.relevance;
  INFIP_RETURN_IF_ERROR(io::WriteNpy(flags.out, relevance.to(torch::kFloat32).contiguous()));
  std::cout << absl::StrFormat("wrote relevance %dx%dx%dx%d (composite %s) -> %s",
                               relevance.size(0), relevance.size(1), relevance.size(2),
                               relevance.size(3), extraction.set.metadata.composite, flags.out)
            << std::endl;
  return absl::OkStatus();
}

}  // namespace

Command AddRelevanceCommand(CLI::App& root) {
  auto flags = std::make_shared<RelevanceFlags>();
  CLI::App* app = root.add_subcommand(
      "relevance",
      "Write the raw input relevance of every key (float32 N x C x H x W .npy, before the "
      "channel sum)");
  AddKeyFlags(*app, flags->keys);
  app->add_option("--out", flags->out, "output .npy file")->required();
  return {app, [flags] { return RunRelevance(*flags); }, {}};
}

}  // namespace infip::cli
