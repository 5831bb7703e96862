// For the bad-input tests (test_bad_input_*.cpp): a Catch2 matcher on an exception's message, so
// each case asserts the exception type AND the key words of what it says:
//   REQUIRE_THROWS_MATCHES(model.encode(x), std::invalid_argument, test::Says({"encode", "6 x n", "5 x 2"}));
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <initializer_list>
#include <string>
#include <vector>

namespace test {

/// Matches an exception whose what() contains every one of the given pieces.
class Says : public Catch::MatcherBase<std::exception> {
 public:
  Says(std::initializer_list<std::string> pieces) : pieces_(pieces) {}
  bool match(const std::exception& e) const override {
    const std::string what = e.what();
    for (const auto& piece : pieces_)
      if (what.find(piece) == std::string::npos) return false;
    return true;
  }
  std::string describe() const override {
    std::string d = "says";
    for (const auto& piece : pieces_) d += " \"" + piece + "\"";
    return d;
  }

 private:
  std::vector<std::string> pieces_;
};

}  // namespace test
