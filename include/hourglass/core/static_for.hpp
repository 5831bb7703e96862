// hourglass/core/static_for.hpp — compile-time loops over layer indices.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace hourglass::detail {

/// Calls f(std::integral_constant<std::size_t, I>{}) for I = 0, 1, ..., N-1.
template <std::size_t N, class F>
constexpr void static_for(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
  }(std::make_index_sequence<N>{});
}

/// Calls f(std::integral_constant<std::size_t, I>{}) for I = N-1, ..., 1, 0.
template <std::size_t N, class F>
constexpr void static_for_reverse(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, N - 1 - I>{}), ...);
  }(std::make_index_sequence<N>{});
}

}  // namespace hourglass::detail
