// hourglass/objectives/describe.hpp — formatting for the policies' describe() strings.
//
// Every policy describes itself as "name(key=value,...)", e.g. "sparse_kl(rho=0.05,beta=3,layer=code)";
// model files store these strings.
#pragma once

#include <sstream>
#include <string>

namespace hourglass::detail {

/// A hyperparameter as text: up to 10 significant digits, no trailing zeros (0.05, 3, 1e-05).
inline std::string describe_number(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

}  // namespace hourglass::detail
