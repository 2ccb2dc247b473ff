// A token scan of the TorchScript source in an archive's code/ entries, refusing code that
// reaches files, libraries or other processes, and __setstate__ (which torch::jit::load runs
// while it unpickles the module). A second line only: it reads the serialized source, which is
// not what a later LibTorch or a hostile pickle might run, and confinement of the process that
// loads the model is the control. docs/model-archives.md gives each rule and its reason.
//
// The source is split into tokens as TorchScript's own lexer splits it (strings with the same
// quoting and escapes, `#` comments, backslash-newline continuations), so spacing, comments and
// line breaks between the parts of a name change nothing:
//   torch.save(x, p)   torch . save (x, p)   (torch.  # c \n save)(x, p)   ops.aten.save(x, p)
// are one name, torch.save / ops.aten.save, and all are refused; a string that merely quotes
// "torch.save(" is not. Dotted names rooted at the builtin namespaces are checked:
//   torch.*, ops.*      refused when any part names a file, library or process operation
//                       (save, from_file, load, load_library, rpc_async, rpc_sync, rpc_remote);
//                       must be called (a namespace taken as a value can be aliased or passed
//                       to getattr, which hides what is finally called)
//   ops.<ns>.*          ns must be aten, prim or quantized
//   torch.classes.<ns>, __torch__.torch.classes.<ns>   custom C++ classes: ns must be quantized
//   __setstate__        refused anywhere, as a name or as a string
//
//   INFIP_RETURN_IF_ERROR(ScanTorchScriptSource(text, "model/code/__torch__.py"));
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace infip::io {

// OK, or INVALID_ARGUMENT naming `file_name`, the line and the name refused.
[[nodiscard]] absl::Status ScanTorchScriptSource(std::string_view source,
                                                 std::string_view file_name);

}  // namespace infip::io
