// mnist_plain's stand-in for the variant models: the plain autoencoders only, so the default run
// does not wait for the compilation of models it does not use.
#include "entry.hpp"

#include <cstdio>

int mnist::run_variants(const Options&, const Data&) {
  std::fprintf(stderr, "mnist: this build (mnist_plain) has the plain variant only; scripts/run.sh --variant ... builds "
                       "and runs the full example (target mnist)\n");
  return 2;
}
