// A client for the server tests: the generated C++ stub, request streams built the way
// proto/infip/v1/infip.proto describes them, and a hand-encoded grpc.health.v1 check (its
// proto is not shipped to C++ by Debian).
#pragma once

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "infip/v1/infip.grpc.pb.h"

namespace infip::server::testing {

inline constexpr size_t kChunk = size_t{1} << 20;

inline std::shared_ptr<grpc::Channel> Connect(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

inline std::vector<std::string> Chunks(const std::string& bytes, size_t size = kChunk) {
  std::vector<std::string> out;
  for (size_t i = 0; i < bytes.size(); i += size) out.push_back(bytes.substr(i, size));
  return out;
}

inline v1::KeySetInfo KeySetInfoFor(const std::string& npy) {
  v1::KeySetInfo info;
  info.set_npy_bytes(static_cast<int64_t>(npy.size()));
  info.add_box_low(0.0);
  info.add_box_high(1.0);
  info.set_preprocessing("server test: uniform [0, 1)");
  return info;
}

// The messages of a RegisterModel upload: header, key chunks, model chunks.
inline std::vector<v1::RegisterModelRequest> RegisterUpload(const std::string& owner,
                                                            const std::string& npy,
                                                            const std::string& model) {
  std::vector<v1::RegisterModelRequest> out(1);
  v1::RegisterModelHeader* h = out[0].mutable_header();
  h->set_owner(owner);
  h->set_model_name("vgg-like");
  *h->mutable_key_set() = KeySetInfoFor(npy);
  h->mutable_model()->set_upload_bytes(static_cast<int64_t>(model.size()));
  for (const std::string& c : Chunks(npy)) out.emplace_back().set_key_set_chunk(c);
  for (const std::string& c : Chunks(model)) out.emplace_back().set_model_chunk(c);
  return out;
}

inline std::vector<v1::VerifyRequest> VerifyUpload(const std::string& registration_id,
                                                   const std::string& model,
                                                   int64_t declared) {
  std::vector<v1::VerifyRequest> out(1);
  v1::VerifyHeader* h = out[0].mutable_header();
  h->set_registration_id(registration_id);
  h->mutable_model()->set_upload_bytes(declared);
  for (const std::string& c : Chunks(model)) out.emplace_back().set_model_chunk(c);
  return out;
}

// Sends every request, half-closes, reads every event; the call's status.
template <typename Request, typename Event, typename Stream>
grpc::Status RunStream(Stream* stream, const std::vector<Request>& requests,
                       std::vector<Event>* events) {
  for (const Request& r : requests) {
    if (!stream->Write(r)) break;  // the server has already answered
  }
  stream->WritesDone();
  Event e;
  while (stream->Read(&e)) events->push_back(e);
  return stream->Finish();
}

// grpc.health.v1.Health/Check for `service`: the serving status number (1 = SERVING,
// 2 = NOT_SERVING), or -1 with the call's status in *failure.
inline int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                        grpc::Status* failure) {
  std::string request;
  if (!service.empty()) {  // field 1, length-delimited
    request.push_back(static_cast<char>(0x0A));
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request_buffer, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    *failure = status;
    return -1;
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // HealthCheckResponse: field 1 varint; absent means UNKNOWN (0).
  if (bytes.size() == 2 && bytes[0] == 0x08) return bytes[1];
  return bytes.empty() ? 0 : -1;
}

}  // namespace infip::server::testing
