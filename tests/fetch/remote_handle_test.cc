#include "infip/fetch/remote_handle.h"

#include <filesystem>
#include <memory>
#include <string>

#include "fetch_test_util.h"
#include "gtest/gtest.h"
#include "infip/fetch/handle_authorizer.h"
#include "infip/fetch/sha256_pin.h"

namespace infip::fetch {
namespace {

using testing::ScratchDir;
using testing::WriteFile;

// --- syntax -----------------------------------------------------------------------------

TEST(ParseRemoteHandleTest, FileHandles) {
  auto plain = ParseRemoteHandle("file:///volumes/models/resnet.pt");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->scheme, HandleScheme::kFile);
  EXPECT_EQ(plain->path, "/volumes/models/resnet.pt");

  auto localhost = ParseRemoteHandle("FILE://LocalHost/a%20b%3Fc.pt");
  ASSERT_TRUE(localhost.ok()) << localhost.status();
  EXPECT_EQ(localhost->path, "/a b?c.pt");
}

TEST(ParseRemoteHandleTest, HttpHandles) {
  auto https = ParseRemoteHandle("https://Models.Example.org/m/resnet.pt?token=secret#frag");
  ASSERT_TRUE(https.ok()) << https.status();
  EXPECT_EQ(https->scheme, HandleScheme::kHttps);
  EXPECT_EQ(https->host, "models.example.org");
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->url.find("#"), std::string::npos);
  EXPECT_EQ(https->display.find("secret"), std::string::npos);

  auto http = ParseRemoteHandle("http://127.0.0.1:8080/x.pt");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->scheme, HandleScheme::kHttp);
  EXPECT_EQ(http->host, "127.0.0.1");
  EXPECT_EQ(http->port, 8080);
}

TEST(ParseRemoteHandleTest, EverythingElseIsInvalidArgumentNamingWhy) {
  const struct {
    const char* handle;
    const char* why;
  } cases[] = {
      {"ftp://example.org/model.pt", "scheme 'ftp:' is not supported"},
      {"data:application/octet-stream;base64,AAAA", "scheme 'data:' is not supported"},
      {"gopher://x/y", "not supported"},
      {"models/resnet.pt", "no scheme"},
      {"/abs/resnet.pt", "no scheme"},
      {"", "empty"},
      {"file:relative.pt", "file:///absolute/path"},
      {"file://otherhost/x.pt", "local files only"},
      {"file:///x%2", "%XX"},
      {"file:///x%00y", "NUL"},
      {"file:///x?y", "no query"},
      {"http://", "malformed URL"},
      {"https://exa mple.org/x", "malformed URL"},
      {"https://user:pw@example.org/x", "credentials"},
      {"https://example.org/\x01", "control character"},
      {"::::", "no scheme"},
  };
  for (const auto& c : cases) {
    const auto handle = ParseRemoteHandle(c.handle);
    EXPECT_EQ(handle.status().code(), absl::StatusCode::kInvalidArgument) << c.handle;
    EXPECT_NE(handle.status().message().find(c.why), absl::string_view::npos)
        << c.handle << " -> " << handle.status();
  }
  EXPECT_EQ(ParseRemoteHandle(std::string(kMaxHandleLength + 1, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- authorisation ----------------------------------------------------------------------

class HandleAuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.MakeDir("root");
    outside_ = scratch_.MakeDir("outside");
    scratch_.MakeDir("root/sub");
    WriteFile(root_ + "/sub/model.pt", "inside");
    WriteFile(outside_ + "/secret.pt", "outside");
    auto authorizer = HandleAuthorizer::Create({root_}, {"models.example.org", "127.0.0.1:8443"},
                                               /*allow_plain_http=*/false);
    ASSERT_TRUE(authorizer.ok()) << authorizer.status();
    authorizer_ = *std::move(authorizer);
  }

  absl::StatusCode CodeOf(const std::string& uri) {
    return authorizer_->Authorize(uri).status().code();
  }

  ScratchDir scratch_;
  std::string root_;
  std::string outside_;
  std::unique_ptr<HandleAuthorizer> authorizer_;
};

TEST_F(HandleAuthorizerTest, FileInsideRootIsResolved) {
  auto handle = authorizer_->Authorize("file://" + root_ + "/sub/model.pt");
  ASSERT_TRUE(handle.ok()) << handle.status();
  EXPECT_EQ(handle->path, root_ + "/sub/model.pt");
  // A link that stays inside the root is fine; the resolved target is what gets opened.
  std::filesystem::create_symlink(root_ + "/sub/model.pt", root_ + "/alias.pt");
  auto alias = authorizer_->Authorize("file://" + root_ + "/alias.pt");
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_EQ(alias->path, root_ + "/sub/model.pt");
  EXPECT_TRUE(authorizer_->Authorize("file://" + root_ + "/./sub//model.pt").ok());
}

TEST_F(HandleAuthorizerTest, FileOutsideRootIsPermissionDenied) {
  const auto outside = authorizer_->Authorize("file://" + outside_ + "/secret.pt");
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(outside.status().message().find("outside the allowed roots"), absl::string_view::npos)
      << outside.status();
  // Not even a NOT_FOUND for a missing file outside: nothing outside is looked up.
  EXPECT_EQ(CodeOf("file://" + outside_ + "/missing.pt"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf("file:///etc/passwd"), absl::StatusCode::kPermissionDenied);
  // A sibling whose name merely starts with the root's is outside.
  scratch_.MakeDir("root2");
  WriteFile(scratch_ / "root2/x.pt", "x");
  EXPECT_EQ(CodeOf("file://" + root_ + "2/x.pt"), absl::StatusCode::kPermissionDenied);
}

TEST_F(HandleAuthorizerTest, DotDotIsPermissionDenied) {
  const auto escape = authorizer_->Authorize("file://" + root_ + "/../outside/secret.pt");
  EXPECT_EQ(escape.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(escape.status().message().find("'..'"), absl::string_view::npos) << escape.status();
  EXPECT_EQ(CodeOf("file://" + root_ + "/sub/../sub/model.pt"),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf("file://" + root_ + "/%2e%2e/outside/secret.pt"),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(HandleAuthorizerTest, SymlinkEscapeIsPermissionDenied) {
  std::filesystem::create_symlink(outside_ + "/secret.pt", root_ + "/link.pt");
  std::filesystem::create_directory_symlink(outside_, root_ + "/dirlink");
  for (const std::string& uri :
       {"file://" + root_ + "/link.pt", "file://" + root_ + "/dirlink/secret.pt",
        "file://" + root_ + "/dirlink/missing.pt"}) {
    const auto handle = authorizer_->Authorize(uri);
    EXPECT_EQ(handle.status().code(), absl::StatusCode::kPermissionDenied) << uri;
    EXPECT_NE(handle.status().message().find("symbolic link"), absl::string_view::npos)
        << handle.status();
  }
}

TEST_F(HandleAuthorizerTest, MissingFileIsNotFoundAndDirectoryIsInvalid) {
  const auto missing = authorizer_->Authorize("file://" + root_ + "/sub/none.pt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_EQ(CodeOf("file://" + root_ + "/nodir/none.pt"), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf("file://" + root_ + "/sub"), absl::StatusCode::kInvalidArgument);
}

TEST_F(HandleAuthorizerTest, HostsMustBeAllowListed) {
  EXPECT_TRUE(authorizer_->Authorize("https://models.example.org/x.pt").ok());
  EXPECT_TRUE(authorizer_->Authorize("https://MODELS.example.org:9443/x.pt").ok());  // any port
  EXPECT_TRUE(authorizer_->Authorize("https://127.0.0.1:8443/x.pt").ok());
  const auto other_port = authorizer_->Authorize("https://127.0.0.1:9999/x.pt");
  EXPECT_EQ(other_port.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(other_port.status().message().find("127.0.0.1:9999 is not on the allow-list"),
            absl::string_view::npos)
      << other_port.status();
  EXPECT_EQ(CodeOf("https://evil.example.org/x.pt"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf("https://models.example.org.evil.org/x.pt"),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf("https://sub.models.example.org/x.pt"), absl::StatusCode::kPermissionDenied);
  const auto plain = authorizer_->Authorize("http://models.example.org/x.pt");
  EXPECT_EQ(plain.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(plain.status().message().find("plain http"), absl::string_view::npos) << plain.status();
}

TEST(HandleAuthorizerCreateTest, EmptyListsRefuseEverything) {
  auto authorizer = HandleAuthorizer::Create({}, {}, true);
  ASSERT_TRUE(authorizer.ok());
  EXPECT_EQ((*authorizer)->Authorize("file:///etc/passwd").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ((*authorizer)->Authorize("http://127.0.0.1/x").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(HandleAuthorizerCreateTest, BadEntriesAreInvalidArgument) {
  ScratchDir dir;
  WriteFile(dir / "file", "x");
  for (const std::string& root : {std::string("relative"), dir / "missing", dir / "file"}) {
    EXPECT_EQ(HandleAuthorizer::Create({root}, {}, false).status().code(),
              absl::StatusCode::kInvalidArgument)
        << root;
  }
  for (const std::string host : {"", "https://example.org", "example.org/path", "a@b", "a b"}) {
    EXPECT_EQ(HandleAuthorizer::Create({}, {host}, false).status().code(),
              absl::StatusCode::kInvalidArgument)
        << host;
  }
  EXPECT_TRUE(HandleAuthorizer::Create({dir.path()}, {"[::1]:8443", "example.org"}, false).ok());
}

// --- pins -------------------------------------------------------------------------------

TEST(Sha256PinTest, ParseAndCheck) {
  const std::string digest(64, 'a');
  auto pin = ParseSha256Pin(std::string(64, 'A'));
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(*pin, digest);
  EXPECT_EQ(ParseSha256Pin("").value(), "");
  EXPECT_EQ(ParseSha256Pin("abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSha256Pin(std::string(63, 'a') + "g").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckSha256Pin("", digest, "h").ok());
  EXPECT_TRUE(CheckSha256Pin(digest, digest, "h").ok());
  const absl::Status mismatch = CheckSha256Pin(std::string(64, 'b'), digest, "file:///m.pt");
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(mismatch.message().find(digest), absl::string_view::npos);
  EXPECT_NE(mismatch.message().find(std::string(64, 'b')), absl::string_view::npos);
}

}  // namespace
}  // namespace infip::fetch
