// hourglass/core/gemm.hpp — matrix products for the training step, without heap allocation.
//
// `C.noalias() = A * B` in Eigen allocates its packing buffers (up to ~1 MB for our sizes) on
// every call above a 128 KB stack limit. These wrappers call the same Eigen kernel
// (internal::general_matrix_matrix_product) with blocking buffers owned by the calling thread and
// kept for the next call, so after the first training step no product allocates.
//
//   product(C, A, B)              C = A B
//   product_transposed_lhs(C, A, B)  C = Aᵀ B
//   product_transposed_rhs(C, A, B)  C = A Bᵀ
// A, B, C are dense blocks with unit inner stride (Matrix, Map, row or column ranges of them),
// column- or row-major.
//
// With HOURGLASS_USE_BLAS defined (CMake: -DHOURGLASS_BLAS=ON, which links OpenBLAS), float and
// double products go to the BLAS library's sgemm/dgemm instead (benchmarks/RESULTS.md measures both).
#pragma once

#include "config.hpp"
#include "thread_pool.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <type_traits>

namespace hourglass::kernels {

/// Whether a matrix expression can be handed to the products below as it is: dense memory,
/// column-major, contiguous columns, of this scalar type.
template <class M, class Scalar>
inline constexpr bool is_gemm_operand = std::is_same_v<typename M::Scalar, Scalar> &&
                                        (M::Flags & Eigen::DirectAccessBit) != 0 && (M::Flags & Eigen::RowMajorBit) == 0 &&
                                        M::InnerStrideAtCompileTime == 1;

namespace detail {

/// Eigen's blocking description whose buffers grow to the largest product seen and are reused.
template <class Scalar>
class ReusedBlocking : public Eigen::internal::level3_blocking<Scalar, Scalar> {
 public:
  ReusedBlocking() = default;
  ReusedBlocking(const ReusedBlocking&) = delete;
  ReusedBlocking& operator=(const ReusedBlocking&) = delete;

  void configure(Index rows, Index cols, Index depth) {
    Index k = depth, m = rows, n = cols;
    Eigen::internal::computeProductBlockingSizes<Scalar, Scalar, 1, Index>(k, m, n, 1);
    this->m_kc = k;
    this->m_mc = m;
    this->m_nc = n;
    grow(a_, m * k);
    grow(b_, k * n);
    this->m_blockA = a_.data();
    this->m_blockB = b_.data();
  }

 private:
  static void grow(Vector<Scalar>& buffer, Index size) {
    if (buffer.size() < size) buffer.resize(size);
  }
  Vector<Scalar> a_, b_;
};

/// The blocking buffers for this product: those of the pooled piece being run (whichever thread
/// runs it; core/thread_pool.hpp), else the calling thread's own.
template <class Scalar>
ReusedBlocking<Scalar>& thread_blocking() {
  if (const int piece = hourglass::detail::current_piece(); piece >= 0) {
    static ReusedBlocking<Scalar> by_piece[hourglass::detail::ThreadPool::max_pieces];
    return by_piece[piece];
  }
  thread_local ReusedBlocking<Scalar> blocking;
  return blocking;
}

#if defined(HOURGLASS_USE_BLAS)
/// The BLAS library's products (Fortran interface, which every BLAS exports; hidden string
/// lengths are not passed, as in Eigen's own BLAS binding). One thread per call: hourglass
/// already runs one product per pool thread, so OpenBLAS's own threads are turned off on first use.
extern "C" {
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c, const int* ldc);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* b, const int* ldb, const double* beta, double* c,
            const int* ldc);
void openblas_set_num_threads(int) __attribute__((weak));
}

template <int LhsOrder, int RhsOrder, class Scalar>
void blas_gemm(Index rows, Index cols, Index depth, const Scalar* lhs, Index lhs_stride, const Scalar* rhs,
               Index rhs_stride, Scalar* result, Index result_stride, bool accumulate) {
  [[maybe_unused]] static const bool single_threaded = [] {
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    return true;
  }();
  // A row-major operand is the transpose of the column-major matrix in the same memory.
  const char ta = LhsOrder == Eigen::RowMajor ? 'T' : 'N', tb = RhsOrder == Eigen::RowMajor ? 'T' : 'N';
  const int m = static_cast<int>(rows), n = static_cast<int>(cols), k = static_cast<int>(depth);
  const int lda = static_cast<int>(lhs_stride), ldb = static_cast<int>(rhs_stride), ldc = static_cast<int>(result_stride);
  const Scalar one = 1, beta = accumulate ? 1 : 0;
  if constexpr (std::is_same_v<Scalar, float>) {
    sgemm_(&ta, &tb, &m, &n, &k, &one, lhs, &lda, rhs, &ldb, &beta, result, &ldc);
  } else {
    dgemm_(&ta, &tb, &m, &n, &k, &one, lhs, &lda, rhs, &ldb, &beta, result, &ldc);
  }
}
#endif

/// c (+)= op(A) b for one column b: Eigen's matrix-vector kernel, which streams A once. The
/// matrix-matrix kernel would first pack (copy) all of A for a single column — at one sample the
/// copy costs as much as the product (bench_latency: `small` encode 19 -> 8 µs of CPU, Eigen
/// kernel), and OpenBLAS 0.3.21's sgemm does the same at n = 1 (37 µs). No allocation: the result
/// is written in place, a strided b is read in place.
template <int LhsOrder, int RhsOrder, class Scalar>
void gemv(Index rows, Index depth, const Scalar* lhs, Index lhs_stride, const Scalar* rhs, Index rhs_stride,
          Scalar* result, bool accumulate) {
  using Lhs = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, LhsOrder>;
  const Eigen::Map<const Lhs, 0, Eigen::OuterStride<>> a(lhs, rows, depth, Eigen::OuterStride<>(lhs_stride));
  const Eigen::Map<const Vector<Scalar>, 0, Eigen::InnerStride<>> b(
      rhs, depth, Eigen::InnerStride<>(RhsOrder == Eigen::RowMajor ? rhs_stride : 1));
  Eigen::Map<Vector<Scalar>> c(result, rows);
  if (accumulate) {
    c.noalias() += a * b;
  } else {
    c.noalias() = a * b;
  }
}

/// C (+)= alpha * op(A) * op(B) with op given by the storage orders of the operands' views.
template <int LhsOrder, int RhsOrder, class Scalar>
void gemm(Index rows, Index cols, Index depth, const Scalar* lhs, Index lhs_stride, const Scalar* rhs,
          Index rhs_stride, Scalar* result, Index result_stride, bool accumulate) {
  if (cols == 1 && rows > 0 && depth > 0) {
    gemv<LhsOrder, RhsOrder>(rows, depth, lhs, lhs_stride, rhs, rhs_stride, result, accumulate);
    return;
  }
#if defined(HOURGLASS_USE_BLAS)
  if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>) {
    if (rows > 0 && cols > 0 && depth > 0) {
      blas_gemm<LhsOrder, RhsOrder>(rows, cols, depth, lhs, lhs_stride, rhs, rhs_stride, result, result_stride, accumulate);
      return;
    }
  }
#endif
  if (!accumulate) {
    for (Index j = 0; j < cols; ++j) std::fill_n(result + j * result_stride, rows, Scalar(0));
  }
  if (rows == 0 || cols == 0 || depth == 0) return;
  auto& blocking = thread_blocking<Scalar>();
  blocking.configure(rows, cols, depth);
  using Kernel = Eigen::internal::general_matrix_matrix_product<Index, Scalar, LhsOrder, false, Scalar, RhsOrder, false,
                                                                Eigen::ColMajor, 1>;
  Kernel::run(rows, cols, depth, lhs, lhs_stride, rhs, rhs_stride, result, 1, result_stride, Scalar(1), blocking,
              nullptr);
}

}  // namespace detail

namespace detail {

template <class M>
inline constexpr int storage_order = (std::remove_cvref_t<M>::Flags & Eigen::RowMajorBit) ? Eigen::RowMajor : Eigen::ColMajor;
inline constexpr int flip(int order) { return order == Eigen::RowMajor ? Eigen::ColMajor : Eigen::RowMajor; }

/// C (+)= op(A) op(B), op = transpose when TransposeA/TransposeB. Any storage order for A, B
/// and C (a tied layer's weights are a row-major view); a row-major C is computed as
/// Cᵀ = op(B)ᵀ op(A)ᵀ into the same memory.
template <bool TransposeA, bool TransposeB, class C, class A, class B>
void product(C& c, const A& a, const B& b, bool accumulate) {
  constexpr int lhs = TransposeA ? flip(storage_order<A>) : storage_order<A>;
  constexpr int rhs = TransposeB ? flip(storage_order<B>) : storage_order<B>;
  const Index depth = TransposeA ? a.rows() : a.cols();
  eigen_assert(c.rows() == (TransposeA ? a.cols() : a.rows()) && c.cols() == (TransposeB ? b.rows() : b.cols()) &&
               depth == (TransposeB ? b.cols() : b.rows()));
  if constexpr (storage_order<C> == Eigen::ColMajor) {
    gemm<lhs, rhs>(c.rows(), c.cols(), depth, a.data(), a.outerStride(), b.data(), b.outerStride(), c.data(),
                   c.outerStride(), accumulate);
  } else {
    gemm<flip(rhs), flip(lhs)>(c.cols(), c.rows(), depth, b.data(), b.outerStride(), a.data(), a.outerStride(),
                               c.data(), c.outerStride(), accumulate);
  }
}

}  // namespace detail

/// C = A B (or C += A B with accumulate).
template <class C, class A, class B>
void product(C&& c, const A& a, const B& b, bool accumulate = false) {
  detail::product<false, false>(c, a, b, accumulate);
}

/// C = Aᵀ B (or +=).
template <class C, class A, class B>
void product_transposed_lhs(C&& c, const A& a, const B& b, bool accumulate = false) {
  detail::product<true, false>(c, a, b, accumulate);
}

/// C = A Bᵀ (or +=).
template <class C, class A, class B>
void product_transposed_rhs(C&& c, const A& a, const B& b, bool accumulate = false) {
  detail::product<false, true>(c, a, b, accumulate);
}

}  // namespace hourglass::kernels
