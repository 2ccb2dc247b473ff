// infip evidence: the images behind a verdict (key, registered and suspect fingerprint, SSIM
// map, per key, and a grid of all) or a registration (keys, fingerprints, grid), saved as PNGs
// under the names the server gives them.
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/file_names.h"
#include "client/json_writer.h"
#include "client/one_of.h"
#include "client/remote.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::cli {
namespace {

struct EvidenceFlags {
  RemoteFlags remote;
  std::string verdict;
  std::string registration;
  std::string out;
  int max_keys = 0;  // 0: every key
};

const char* KindName(v1::EvidenceKind kind) {
  switch (kind) {
    case v1::EVIDENCE_KIND_KEY:
      return "key";
    case v1::EVIDENCE_KIND_REGISTERED_FINGERPRINT:
      return "registered_fingerprint";
    case v1::EVIDENCE_KIND_SUSPECT_FINGERPRINT:
      return "suspect_fingerprint";
    case v1::EVIDENCE_KIND_SSIM_MAP:
      return "ssim_map";
    case v1::EVIDENCE_KIND_GRID:
      return "grid";
    default:
      return "unknown";
  }
}

absl::Status MakeDirectory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot create output directory %s: %s", dir, error.message()));
  }
  return absl::OkStatus();
}

struct Written {
  std::string path;
  std::string name;
  v1::EvidenceKind kind;
  int64_t key_index;
  double ssim;
  int64_t bytes;
};

absl::Status Save(const v1::EvidenceImage& image, const std::string& dir,
                  std::set<std::string>& names, std::vector<Written>& written) {
  // The names come from the server; only plain names stay inside --out.
  if (!IsPlainFileName(image.name())) {
    return absl::InternalError(absl::StrFormat(
        "the server sent evidence named '%s', which is not a plain file name; nothing more "
        "written",
        absl::CHexEscape(image.name())));
  }
  if (!names.insert(image.name()).second) {
    return absl::InternalError(
        absl::StrFormat("the server sent two evidence images named '%s'", image.name()));
  }
  // Created with the first image, so that a failed call leaves no empty directory behind.
  if (written.empty()) INFIP_RETURN_IF_ERROR(MakeDirectory(dir));
  const std::string path = (std::filesystem::path(dir) / image.name()).string();
  INFIP_RETURN_IF_ERROR(io::WriteFileAtomically(path, image.png()));
  written.push_back({path, image.name(), image.kind(), image.key_index(), image.ssim(),
                     static_cast<int64_t>(image.png().size())});
  return absl::OkStatus();
}

absl::Status RunEvidence(const EvidenceFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));
  v1::GetEvidenceRequest request;
  if (!flags.verdict.empty()) {
    request.set_verdict_id(flags.verdict);
  } else {
    request.set_registration_id(flags.registration);
  }
  request.set_max_keys(flags.max_keys);

  auto context = remote->NewContext();
  auto reader = remote->stub().GetEvidence(context.get(), request);
  std::set<std::string> names;
  std::vector<Written> written;
  v1::EvidenceImage image;
  absl::Status saved = absl::OkStatus();
  while (saved.ok() && reader->Read(&image)) saved = Save(image, flags.out, names, written);
  if (!saved.ok()) {
    context->TryCancel();
    while (reader->Read(&image)) {
    }
    (void)reader->Finish();
    return saved;
  }
  INFIP_RETURN_IF_ERROR(remote->Check(reader->Finish(), *context));

  if (remote->json()) {
    std::vector<std::string> items;
    for (const Written& w : written) {
      JsonObject item;
      item.Add("name", w.name).Add("path", w.path).Add("kind", KindName(w.kind));
      item.Add("key_index", w.key_index).Add("bytes", w.bytes);
      if (w.kind == v1::EVIDENCE_KIND_SSIM_MAP) item.Add("ssim", w.ssim);
      items.push_back(item.ToString());
    }
    std::cout << JsonObject().Add("out", flags.out).AddRaw("images", JsonArray(items)).ToString()
              << std::endl;
    return absl::OkStatus();
  }
  for (const Written& w : written) {
    std::cout << w.path;
    if (w.kind == v1::EVIDENCE_KIND_SSIM_MAP) std::cout << absl::StrFormat("  SSIM %.4f", w.ssim);
    std::cout << "\n";
  }
  std::cout << absl::StrFormat("wrote %d evidence PNGs of %s to %s\n", written.size(),
                               flags.verdict.empty() ? flags.registration : flags.verdict,
                               flags.out)
            << std::flush;
  return absl::OkStatus();
}

}  // namespace

Command AddEvidenceCommand(CLI::App& root) {
  auto flags = std::make_shared<EvidenceFlags>();
  CLI::App* app = root.add_subcommand(
      "evidence",
      "Save the evidence behind a verdict (per key: key image, registered and suspect "
      "fingerprint, SSIM map; and a grid of all) or a registration (keys, fingerprints, grid) "
      "as PNG files");
  CLI::Option* verdict =
      app->add_option("--verdict", flags->verdict, "a verdict id (vrd_..., from verify)");
  CLI::Option* registration =
      app->add_option("--registration", flags->registration, "a registration id (reg_...)");
  app->add_option("--out", flags->out, "output directory (created if missing)")->required();
  app->add_option("--max-keys", flags->max_keys, "only the first K keys (default: every key)")
      ->check(CLI::Range(1, 1 << 30));
  AddRemoteFlags(*app, flags->remote);
  RequireExactlyOne(*app, {{verdict, registration}});
  return {app, [flags] { return RunEvidence(*flags); }, {}};
}

}  // namespace infip::cli
