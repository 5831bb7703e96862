// hourglass/io.hpp — the optional io umbrella: IDX data sets, safetensors models, PNG images and
// plots. Needs zlib, nlohmann/json and Debian's libstb (link hourglass::io); the core umbrella
// hourglass/hourglass.hpp does not include it, so a model alone costs none of these.
#pragma once

#include "io/file.hpp"
#include "io/idx.hpp"
#include "io/png.hpp"
#include "io/safetensors.hpp"
