#include <hourglass/io.hpp>

std::size_t second_translation_unit_png_size() {
  hourglass::io::Image img(20, 10);
  img.text(1, 1, "ok", hourglass::io::colors::black);
  return hourglass::io::encode_png(img).size();
}
