// Loading the generated test models (tools/testmodels/make_models.py) and small helpers.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "infip/model/model.h"
#include "test_env.h"

namespace infip::testing {

inline std::string ModelPath(const std::string& name) { return TestDataDir() + "/" + name; }

inline std::shared_ptr<model::CanonicalModel> LoadModel(const std::string& name,
                                                        bool fold_batchnorm = true) {
  model::LoadOptions opts;
  opts.fold_batchnorm = fold_batchnorm;
  auto m = model::CanonicalModel::FromFile(ModelPath(name), opts);
  EXPECT_TRUE(m.ok()) << name << ": " << m.status();
  return m.ok() ? std::shared_ptr<model::CanonicalModel>(std::move(*m)) : nullptr;
}

// A module built in C++ from TorchScript source, its parameters given as name/tensor pairs.
inline torch::jit::Module DefineModule(
    const std::string& source,
    const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  torch::jit::Module m("infip_test_module");
  for (const auto& [name, t] : params) m.register_parameter(name, t, /*is_buffer=*/false);
  m.define(source);
  return m;
}

}  // namespace infip::testing
