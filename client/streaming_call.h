// One upload-then-events call (RegisterModel, Verify, Screen): the caller writes the header
// and the chunks while a thread of its own reads the server's events, so a server that
// reports progress as it receives never waits on a client still writing; then the call's
// status. A failure of the client's own (a file that changed while read) cancels the call and
// is what the caller gets.
//
//   auto context = remote.NewContext();
//   auto stream = remote.stub().Verify(context.get());
//   absl::Status s = RunStreamingCall<v1::VerifyRequest, v1::VerifyEvent>(
//       remote, *context, *stream,
//       [&]() -> absl::StatusOr<bool> { return stream->Write(header) && ...; },
//       [&](const v1::VerifyEvent& event) { ... });
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <thread>

#include "absl/status/statusor.h"
#include "client/remote.h"

namespace infip::cli {

// `write` sends everything: true when it did, false when the stream closed early (the
// server's status then says why), an error of the client's own otherwise. `on_event` runs on
// the reading thread, once per event, in order.
template <typename Request, typename Event>
[[nodiscard]] absl::Status RunStreamingCall(const Remote& remote, grpc::ClientContext& context,
                                            grpc::ClientReaderWriter<Request, Event>& stream,
                                            const std::function<absl::StatusOr<bool>()>& write,
                                            const std::function<void(const Event&)>& on_event) {
  std::thread reader([&stream, &on_event] {
    Event event;
    while (stream.Read(&event)) on_event(event);
  });
  const absl::StatusOr<bool> written = write();
  if (!written.ok()) {
    context.TryCancel();  // ends the reader's Read too
    reader.join();
    (void)stream.Finish();  // CANCELLED, by us: the local error is the one to report
    return written.status();
  }
  if (*written) stream.WritesDone();
  reader.join();
  return remote.Check(stream.Finish(), context);
}

}  // namespace infip::cli
