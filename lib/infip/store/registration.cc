#include "infip/store/registration.h"

namespace infip::store {

RegistrationSummary Summarize(const Registration& registration) {
  RegistrationSummary s;
  s.id = registration.id;
  s.owner = registration.owner;
  s.principal = registration.principal;
  s.model_name = registration.model_name;
  s.created = registration.created;
  s.threshold = registration.threshold;
  s.composite = registration.composite;
  s.lambda = registration.lambda;
  s.lambda_scaling = registration.lambda_scaling;
  s.input_shape = registration.input_shape;
  s.key_count = registration.key_count;
  s.key_set_sha256 = registration.key_set.sha256;
  s.fingerprints_sha256 = registration.fingerprints_sha256;
  return s;
}

}  // namespace infip::store
