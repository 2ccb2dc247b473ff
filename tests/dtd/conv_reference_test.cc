// The engine's conv2d rules (stride, padding, dilation, groups) against a brute-force
// reference that enumerates every input-output connection with plain loops and applies the
// formulas of InFIP.md literally, in double precision.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "infip/dtd/engine.h"
#include "test_models.h"

namespace infip::dtd {
namespace {

struct Connection {
  int64_t in, out;
  double w;
};

struct ConvSpec {
  int64_t stride, padding, dilation, groups;
};

// Every (input index, output index, weight) of a conv over a C x H x W input.
std::vector<Connection> ConvConnections(const torch::Tensor& w, int64_t c, int64_t h, int64_t wd,
                                        const ConvSpec& s, int64_t& oh, int64_t& ow) {
  const int64_t out_ch = w.size(0), in_per_group = w.size(1), kh = w.size(2), kw = w.size(3);
  oh = (h + 2 * s.padding - s.dilation * (kh - 1) - 1) / s.stride + 1;
  ow = (wd + 2 * s.padding - s.dilation * (kw - 1) - 1) / s.stride + 1;
  const int64_t out_per_group = out_ch / s.groups;
  std::vector<Connection> out;
  auto acc = w.accessor<double, 4>();
  for (int64_t o = 0; o < out_ch; ++o) {
    const int64_t g = o / out_per_group;
    for (int64_t y = 0; y < oh; ++y) {
      for (int64_t x = 0; x < ow; ++x) {
        for (int64_t ci = 0; ci < in_per_group; ++ci) {
          for (int64_t ky = 0; ky < kh; ++ky) {
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t iy = y * s.stride - s.padding + ky * s.dilation;
              const int64_t ix = x * s.stride - s.padding + kx * s.dilation;
              if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
              const int64_t channel = g * in_per_group + ci;
              out.push_back({(channel * h + iy) * wd + ix, (o * oh + y) * ow + x,
                             acc[o][ci][ky][kx]});
            }
          }
        }
      }
    }
  }
  (void)c;
  return out;
}

std::vector<Connection> DenseConnections(const torch::Tensor& w) {
  std::vector<Connection> out;
  for (int64_t o = 0; o < w.size(0); ++o) {
    for (int64_t i = 0; i < w.size(1); ++i) out.push_back({i, o, w[o][i].item<double>()});
  }
  return out;
}

std::vector<double> Forward(const std::vector<Connection>& cs, const std::vector<double>& x,
                            size_t n_out) {
  std::vector<double> z(n_out, 0.0);
  for (const auto& c : cs) z[c.out] += x[c.in] * c.w;
  return z;
}

// R_i = sum_j term(i, j) / sum_i' term(i', j) * R_j.
template <typename Term>
std::vector<double> Redistribute(const std::vector<Connection>& cs, size_t n_in,
                                 const std::vector<double>& r_out, Term term) {
  std::vector<double> denom(r_out.size(), 0.0), r_in(n_in, 0.0);
  for (const auto& c : cs) denom[c.out] += term(c);
  for (const auto& c : cs) {
    const double d = denom[c.out] + (denom[c.out] >= 0 ? 1e-9 : -1e-9);
    r_in[c.in] += term(c) / d * r_out[c.out];
  }
  return r_in;
}

std::vector<double> Relu(std::vector<double> v) {
  for (double& x : v) x = std::max(0.0, x);
  return v;
}

void RunCase(const ConvSpec& s1, const ConvSpec& s2) {
  torch::manual_seed(42);
  const int64_t c = 2, h = 7, w = 6;
  const torch::Tensor w1 = torch::randn({4, c / s1.groups, 3, 3}, torch::kFloat64);
  const torch::Tensor w2 = torch::randn({4, 4 / s2.groups, 2, 2}, torch::kFloat64);
  const torch::Tensor x = torch::rand({1, c, h, w}, torch::kFloat64);
  int64_t h1, w1o, h2, w2o;
  const auto conv1 = ConvConnections(w1, c, h, w, s1, h1, w1o);
  const auto conv2 = ConvConnections(w2, 4, h1, w1o, s2, h2, w2o);
  const int64_t flat = 4 * h2 * w2o;
  const torch::Tensor w3 = torch::randn({5, flat}, torch::kFloat64);
  const auto dense = DenseConnections(w3);

  // Reference forward and relevance, in double precision.
  std::vector<double> xv(x.data_ptr<double>(), x.data_ptr<double>() + x.numel());
  const auto a1 = Relu(Forward(conv1, xv, 4 * h1 * w1o));
  const auto a2 = Relu(Forward(conv2, a1, flat));
  const auto logits = Forward(dense, a2, 5);
  const int64_t pred = std::max_element(logits.begin(), logits.end()) - logits.begin();
  std::vector<double> r(5, 0.0);
  r[pred] = 1.0;
  auto zplus = [](const std::vector<double>& in) {
    return [&in](const Connection& k) { return in[k.in] * std::max(0.0, k.w); };
  };
  r = Redistribute(dense, a2.size(), r, zplus(a2));
  r = Redistribute(conv2, a1.size(), r, zplus(a1));
  r = Redistribute(conv1, xv.size(), r, [&](const Connection& k) {
    return xv[k.in] * k.w - 0.0 * std::max(0.0, k.w) - 1.0 * std::min(0.0, k.w);
  });

  auto m = testing::DefineModule(
      absl::StrCat("def forward(self, x):\n"
                   "    a = torch.relu(torch.conv2d(x, self.w1, None, [", s1.stride, "], [",
                   s1.padding, "], [", s1.dilation, "], ", s1.groups, "))\n",
                   "    b = torch.relu(torch.conv2d(a, self.w2, None, [", s2.stride, "], [",
                   s2.padding, "], [", s2.dilation, "], ", s2.groups, "))\n",
                   "    return torch.linear(b.flatten(1), self.w3)\n"),
      {{"w1", w1.to(torch::kFloat32)}, {"w2", w2.to(torch::kFloat32)},
       {"w3", w3.to(torch::kFloat32)}});
  auto model = model::CanonicalModel::FromModule(m, {});
  ASSERT_TRUE(model.ok()) << model.status();
  auto engine = RelevanceEngine::Create(std::move(*model), *Composite::ByName("dtd"));
  auto e = (*engine)->Explain(x.to(torch::kFloat32), InputBox{}, {});
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->predicted.item<int64_t>(), pred);
  const torch::Tensor got = e->relevance.to(torch::kFloat64).flatten();
  ASSERT_EQ(got.numel(), static_cast<int64_t>(r.size()));
  double total = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_NEAR(got[i].item<double>(), r[i], 1e-5 + 1e-4 * std::abs(r[i])) << "pixel " << i;
    total += r[i];
  }
  EXPECT_NEAR(total, 1.0, 1e-6);  // the reference itself conserves relevance
}

TEST(ConvReference, StridePaddingGroups) { RunCase({2, 1, 1, 2}, {1, 0, 1, 1}); }
TEST(ConvReference, DilationAndGroupedHiddenLayer) { RunCase({1, 1, 1, 1}, {1, 1, 2, 2}); }
TEST(ConvReference, StrideWithRemainder) { RunCase({3, 0, 1, 1}, {1, 0, 1, 4}); }

}  // namespace
}  // namespace infip::dtd
