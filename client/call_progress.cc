#include "client/call_progress.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infip::cli {
namespace {

double Fraction(int64_t done, int64_t total) {
  return total > 0 ? static_cast<double>(done) / static_cast<double>(total) : -1.0;
}

}  // namespace

std::string HumanBytes(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < (1 << 20)) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  if (bytes < (1LL << 30)) return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
  return absl::StrFormat("%.2f GiB", bytes / 1073741824.0);
}

CallProgress::CallProgress(bool force) : bar_("", force) {}

void CallProgress::Uploaded(int64_t sent, int64_t total) {
  absl::MutexLock lock(&mu_);
  if (server_working_) return;
  bar_.Show("uploading", Fraction(sent, total),
            absl::StrCat(HumanBytes(sent), " / ", HumanBytes(total)));
}

void CallProgress::Server(const infip::v1::Progress& p) {
  namespace v1 = ::infip::v1;
  absl::MutexLock lock(&mu_);
  switch (p.stage()) {
    case v1::STAGE_RECEIVING:
      return;  // the client's own upload bar shows the same bytes as they leave
    case v1::STAGE_FETCHING:
      server_working_ = true;
      bar_.Show("server fetching the model", Fraction(p.done(), p.total()),
                p.total() > 0 ? absl::StrCat(HumanBytes(p.done()), " / ", HumanBytes(p.total()))
                              : HumanBytes(p.done()));
      return;
    case v1::STAGE_QUEUED:
      server_working_ = true;
      bar_.Show("queued", -1, absl::StrCat("(position ", p.done(), ")"));
      return;
    case v1::STAGE_LOADING:
      server_working_ = true;
      bar_.Show("server loading the model", -1, "");
      return;
    case v1::STAGE_EXTRACTING:
      server_working_ = true;
      bar_.Show("explaining keys", Fraction(p.done(), p.total()),
                absl::StrCat(p.done(), "/", p.total(), p.registration_id().empty() ? "" : "  ",
                             p.registration_id()));
      return;
    case v1::STAGE_COMPARING:
      server_working_ = true;
      bar_.Show("comparing", Fraction(p.done(), p.total()),
                absl::StrCat(p.done(), "/", p.total(), p.registration_id().empty() ? "" : "  ",
                             p.registration_id()));
      return;
    case v1::STAGE_SIGNING:
      server_working_ = true;
      bar_.Show("signing", -1, "");
      return;
    default:
      return;  // a stage this client does not know yet: nothing to say about it
  }
}

void CallProgress::Finish() {
  absl::MutexLock lock(&mu_);
  bar_.Finish();
}

}  // namespace infip::cli
