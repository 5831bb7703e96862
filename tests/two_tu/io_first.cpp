// Regression guard: the io umbrella (with stb's declarations and stb_easy_font) included from two
// translation units must link without duplicate symbols.
#include <catch2/catch.hpp>
#include <hourglass/io.hpp>

std::size_t second_translation_unit_png_size();

TEST_CASE("the io umbrella header links from two translation units") {
  hourglass::io::Image img(20, 10);
  img.text(1, 1, "ok", hourglass::io::colors::black);
  REQUIRE(hourglass::io::encode_png(img).size() == second_translation_unit_png_size());
}
