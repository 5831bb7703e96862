# Finds what hourglass's optional io headers (hourglass/io/*.hpp) need: zlib (gzip IDX),
# nlohmann/json (safetensors headers) and Debian's libstb (stb_image_write for PNG, linked from
# libstb.so so that header-only code defines no stb symbols). Sets HOURGLASS_IO_FOUND and
# HOURGLASS_IO_LINK (what a target using the io headers links, besides hourglass itself) and
# HOURGLASS_STB_INCLUDE_DIR. Used by the top-level CMakeLists.txt and by the installed package.
find_package(ZLIB QUIET)
find_package(nlohmann_json 3.10 QUIET)
find_library(HOURGLASS_STB_LIBRARY NAMES stb)
find_path(HOURGLASS_STB_INCLUDE_DIR stb/stb_image_write.h)
if(ZLIB_FOUND AND nlohmann_json_FOUND AND HOURGLASS_STB_LIBRARY AND HOURGLASS_STB_INCLUDE_DIR)
  set(HOURGLASS_IO_FOUND TRUE)
  set(HOURGLASS_IO_LINK ZLIB::ZLIB nlohmann_json::nlohmann_json ${HOURGLASS_STB_LIBRARY})
else()
  set(HOURGLASS_IO_FOUND FALSE)
endif()
